import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseOrThrow, ValidationError } from './validation-error.ts';
import { acceptEvents } from '../schemas/accept.ts';

const ctx = { now: '2026-01-01T00:00:00Z', newEventId: () => 'generated' };

describe('validation errors', () => {
  it('name the field and the rule, with the message written for the field when there is one', () => {
    const error = (() => {
      try {
        acceptEvents(
          [
            { type: 'user_message', sessionId: 's', content: 'ok' },
            { type: 'user_message', sessionId: 'bad id', content: 7, metadata: 'x' },
          ],
          ctx,
        );
      } catch (e) {
        return e as ValidationError;
      }
      throw new Error('expected a ValidationError');
    })();
    expect(error).toBeInstanceOf(ValidationError);
    const rules = Object.fromEntries(error.issues.map((i) => [i.path, i.rule]));
    expect(rules['events[1].sessionId']).toMatch(
      /^expected 1 to 128 characters of letters, digits/,
    );
    expect(rules['events[1].content']).toBe('expected string, received number');
    expect(rules['events[1].metadata']).toBe('expected a JSON object');
  });

  it('counts items in good English and refuses unknown fields by name', () => {
    const schema = z.strictObject({ tags: z.array(z.string()).min(1).max(2) });
    expect(() => parseOrThrow(schema, { tags: [] }, 'body')).toThrow(
      'body.tags: expected at least 1 item',
    );
    expect(() => parseOrThrow(schema, { tags: ['a', 'b', 'c'] }, 'body')).toThrow(
      'body.tags: expected at most 2 items',
    );
    expect(() => parseOrThrow(schema, { tags: ['a'], colour: 'red' }, 'body')).toThrow(
      'body: unknown field "colour"',
    );
  });

  it('refuses a whole batch, writing nothing, when one event is bad', () => {
    expect(() => acceptEvents([{ type: 'nope', sessionId: 's' }], ctx)).toThrow(
      /events\[0\]\.type: expected "type" to be one of/,
    );
    expect(() =>
      acceptEvents(
        Array.from({ length: 501 }, () => ({})),
        ctx,
      ),
    ).toThrow('events: expected at most 500 events in one batch');
  });
});
