import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { eventJobId, summaryJobId } from '../src/job-ids.ts';
import { EventJobSchema, eventJobJsonSchema } from '../src/job-schemas.ts';
import { fnv1a32, partitionOf } from '../src/partition.ts';

describe('the queue contract', () => {
  it('hashes with FNV-1a 32 as published (reference vectors)', () => {
    const bytes = (s: string) => new TextEncoder().encode(s);
    expect(fnv1a32(bytes(''))).toBe(0x811c9dc5);
    expect(fnv1a32(bytes('a'))).toBe(0xe40c292c);
    expect(fnv1a32(bytes('foobar'))).toBe(0xbf9cf968);
  });

  it('puts a session on a stable partition within range', () => {
    expect(partitionOf('acme', 'session-1', 16)).toBe(
      fnv1a32(new TextEncoder().encode('acme/session-1')) % 16,
    );
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.string({ minLength: 1 }),
        fc.integer({ min: 1, max: 1024 }),
        (t, s, p) => {
          const a = partitionOf(t, s, p);
          expect(a).toBe(partitionOf(t, s, p));
          expect(a).toBeGreaterThanOrEqual(0);
          expect(a).toBeLessThan(p);
        },
      ),
    );
    expect(() => partitionOf('t', 's', 0)).toThrow(/partitions: expected an integer >= 1/);
  });

  it('derives job ids that BullMQ accepts and that never collide across sessions', () => {
    const id = eventJobId('acme', 'a.b', ['c']);
    expect(id).toBe('e~acme~a.b~c');
    expect(id).not.toContain(':');
    expect(eventJobId('acme', 'a', ['b.c'])).not.toBe(eventJobId('acme', 'a.b', ['c']));
    expect(eventJobId('acme', 's', ['x', 'y'])).toMatch(/^b~acme~s~[0-9a-f]{40}$/);
    expect(eventJobId('acme', 's', ['x', 'y'])).not.toBe(eventJobId('acme', 's', ['y', 'x']));
    expect(summaryJobId('acme', 's', 'f00d', 3)).toBe('s~acme~s~f00d~3');
    expect(eventJobId('acme', 's', ['x'], 'f00d')).toBe('e~acme~s~f00d~x');
    expect(eventJobId('acme', 's', ['x', 'y'], 'f00d')).toMatch(/^b~acme~s~f00d~[0-9a-f]{40}$/);
  });

  it('publishes the job payload as JSON Schema generated from the zod contract (file in sync)', () => {
    const file = fileURLToPath(new URL('../event-job.schema.json', import.meta.url));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(eventJobJsonSchema());
  });

  it('refuses a job whose events lack an eventId or belong to another session, naming the field', () => {
    const base = { v: 1, tenant: 'acme', sessionId: 's1' };
    const noId = EventJobSchema.safeParse({
      ...base,
      events: [{ type: 'user_message', sessionId: 's1', content: 'hi' }],
    });
    expect(noId.success).toBe(false);
    expect(noId.error!.issues[0]).toMatchObject({ path: ['events', 0, 'eventId'] });
    const other = EventJobSchema.safeParse({
      ...base,
      events: [{ type: 'user_message', sessionId: 's2', eventId: 'e1', content: 'hi' }],
    });
    expect(other.error!.issues[0]!.message).toContain('expected the job\'s sessionId "s1"');
    const ok = EventJobSchema.parse({
      ...base,
      events: [{ type: 'user_message', sessionId: 's1', eventId: 'e1', content: 'hi' }],
    });
    expect(ok.events[0]).toMatchObject({ eventId: 'e1' });
  });
});
