import { afterAll, describe, expect, it } from 'vitest';
import { acceptEvents, type AcceptedEvent } from '@threadline/core';
import { EmbeddedRuntime } from '../src/index.ts';
import { collect, gatewayContract } from './gateway-contract.ts';

const runtimes: EmbeddedRuntime[] = [];
afterAll(async () => {
  await Promise.all(runtimes.map((r) => r.close()));
});

gatewayContract('EmbeddedRuntime', () => {
  const runtime = new EmbeddedRuntime({ tenant: 'contract' });
  runtimes.push(runtime);
  return runtime;
});

describe('a watch of an embedded session', () => {
  it('tells a summary that landed, and one that fell back to the extractive summary', async () => {
    const rt = new EmbeddedRuntime({ tenant: 'watch-summaries' });
    runtimes.push(rt);
    const sessionId = 'summaries-watched';
    await rt.create({ sessionId, infiniteContext: true, maxTurnsPerSegment: 1 });
    const stop = new AbortController();
    const watch = collect(
      await rt.watch(sessionId, { signal: stop.signal, pollMinMs: 5, pollMaxMs: 20 }),
    );
    const say = (content: string) =>
      rt.submit(
        sessionId,
        acceptEvents([{ type: 'user_message', sessionId, content }], {
          now: rt.now(),
          newEventId: () => rt.newEventId(),
        }) as AcceptedEvent[],
      );
    await say('Ship order ORD-1 to Oslo.');
    await say('Ship order ORD-2 to Bergen.');
    await rt.idle();
    await watch.until((seen) => seen.some((c) => c.type === 'summary.landed'));
    rt.summaryHooks.setSessionSummarizer('watch-summaries', sessionId, {
      summarize: async () => {
        throw new Error('the model is down');
      },
    });
    await say('Ship order ORD-3 to Tromsø.');
    await rt.idle();
    await watch.until((seen) => seen.some((c) => c.type === 'summary.fell_back'));
    stop.abort();
    await watch.done;
    const summaries = watch.seen.flatMap((c) =>
      c.type === 'summary.landed' || c.type === 'summary.fell_back' ? [c] : [],
    );
    expect(summaries.map((c) => [c.type, c.summary.segmentIndex, c.summary.kind])).toEqual([
      ['summary.landed', 0, 'extractive'],
      ['summary.fell_back', 1, 'extractive'],
    ]);
    expect(summaries[1]!.summary.fallbackReason).toMatch(/.+/);
  });
});
