import { Redis } from 'ioredis';
import {
  defaultTokenCounter,
  parseSummaryText,
  PriceTable,
  type AcceptedEvent,
} from '@threadline/core';
import {
  SessionEngine,
  SessionReader,
  summaryReadyEvent,
  type ApplyOutcome,
} from '@threadline/engine';
import { RedisSessionStore, type SessionKey } from '@threadline/store';
import { commandCalls, diffCalls, startBenchRedis, total } from '../lib/bench-redis.ts';
import { conversationEvents, seededRandom } from '../lib/fixtures.ts';
import { Progress } from '../lib/progress.ts';
import type {
  Scenario,
  ScenarioContext,
  ScenarioResult,
  TargetResult,
} from '../lib/report-types.ts';
import { fmt, fmtSpread, percentile, spread } from '../lib/stats.ts';

const TENANT = 'bench';
const BATCH = 500;
const BUDGET = 4000;
const SUMMARY_TEXT =
  'The user is planning a trip to Lisbon and Porto in May for two people with a budget of about 2400 EUR; flights with TAP cost 142 EUR each; the Porto apartment needs a 340 EUR deposit; the user wants to keep the Q3 report on schedule and asked to be reminded of the invoice due on 12 June.';

interface Variant {
  name: string;
  infinite: boolean;
  budget: number | null;
  /** Reads per size per run (fewer for the variant whose answer is the whole history). */
  reads: number;
}

/**
 * Writes `count` events into a new session directly through the engine, in batches (no queue),
 * answering every summary request at once with a fixed LLM-kind summary, as the summarizer would.
 */
async function buildSession(
  engine: SessionEngine,
  key: SessionKey,
  count: number,
  infinite: boolean,
  onBatch?: (n: number) => void,
): Promise<void> {
  await engine.createSession(
    key,
    {
      infiniteContext: infinite,
      systemPrompt: 'You are a concise travel planner.',
      maxTurnsPerSegment: 20,
    },
    '2026-01-01T00:00:00.000Z',
  );
  const rand = seededRandom(count + (infinite ? 1 : 0));
  let summaryAt = Date.UTC(2026, 0, 2);
  for (let done = 0; done < count; done += BATCH) {
    const events: AcceptedEvent[] = conversationEvents(
      key.sessionId,
      Math.min(BATCH, count - done),
      rand,
      { userChars: [60, 300], assistantChars: [150, 700] },
      'e',
      done,
    );
    let outcome: ApplyOutcome = await engine.applyBatch(key, events);
    while (outcome.inFlight) {
      const request = outcome.inFlight;
      const ready = summaryReadyEvent(
        key,
        request,
        {
          text: `${SUMMARY_TEXT} (segments up to ${request.segmentIndex})`,
          items: parseSummaryText(`${SUMMARY_TEXT} (segments up to ${request.segmentIndex})`, {
            defaultSection: 'facts',
          }).items,
          kind: 'llm',
          model: 'gpt-4o-mini',
          promptTokens: 900,
          completionTokens: 80,
          costNano: 1000,
          attempts: 1,
          fallbackReason: null,
        },
        new Date(summaryAt++).toISOString(),
      );
      outcome = await engine.applyBatch(key, [ready]);
    }
    onBatch?.(events.length);
  }
}

async function run(ctx: ScenarioContext): Promise<ScenarioResult> {
  const t0 = performance.now();
  const runs = ctx.quick ? 2 : 3;
  const small = 100;
  const large = ctx.quick ? 10_000 : 100_000;
  const variants: Variant[] = [
    {
      name: 'infinite context off, budget 4000',
      infinite: false,
      budget: BUDGET,
      reads: ctx.quick ? 60 : 200,
    },
    {
      name: 'infinite context on, no budget',
      infinite: true,
      budget: null,
      reads: ctx.quick ? 60 : 200,
    },
    {
      name: 'infinite context on, budget 4000',
      infinite: true,
      budget: BUDGET,
      reads: ctx.quick ? 60 : 200,
    },
    {
      name: 'infinite context off, no budget (the answer is the whole history)',
      infinite: false,
      budget: null,
      reads: ctx.quick ? 3 : 5,
    },
  ];
  const progress = new Progress(
    'scenario 5 (read cost vs history)',
    2 * (small + large) + runs * variants.length,
  );
  const redis = await startBenchRedis();
  const conn = new Redis(redis.url);
  await defaultTokenCounter.prepare(['gpt-4o-mini']);
  const store = new RedisSessionStore({ redis: conn, prefix: 'tl' });
  const engine = new SessionEngine({
    store,
    meter: { tokens: defaultTokenCounter, prices: new PriceTable() },
  });
  const reader = new SessionReader(store);
  const key = (infinite: boolean, size: number): SessionKey => ({
    tenant: TENANT,
    sessionId: `read-${infinite ? 'inf' : 'flat'}-${size}`,
  });
  const buildSeconds: Record<string, number> = {};
  const perRun: Array<{
    run: number;
    variant: string;
    smallP50: number;
    largeP50: number;
    smallP99: number;
    largeP99: number;
    ratio: number;
    smallCalls: number;
    largeCalls: number;
    messagesSmall: number;
    messagesLarge: number;
  }> = [];
  try {
    for (const infinite of [false, true])
      for (const size of [small, large]) {
        progress.note(
          `writing ${fmt(size)} events (infinite context ${infinite ? 'on' : 'off'}) directly through SessionEngine`,
        );
        const b0 = performance.now();
        await buildSession(engine, key(infinite, size), size, infinite, (n) => progress.tick(n));
        buildSeconds[`${infinite}-${size}`] = (performance.now() - b0) / 1000;
      }
    for (let r = 0; r < runs; r++)
      for (const v of variants) {
        const opts = { budget: v.budget };
        const time = async (size: number) => {
          const t = performance.now();
          const w = await reader.messagesForLlm(key(v.infinite, size), opts);
          return { ms: performance.now() - t, messages: w.messages.length };
        };
        // Warm-up, then alternate small and large reads so that noise hits both alike.
        for (let i = 0; i < 3; i++) {
          await time(small);
          await time(large);
        }
        const s: number[] = [];
        const l: number[] = [];
        let ms = 0;
        let ml = 0;
        for (let i = 0; i < v.reads; i++) {
          const a = await time(small);
          const b = await time(large);
          s.push(a.ms);
          l.push(b.ms);
          ms = a.messages;
          ml = b.messages;
        }
        // Redis commands of one read of each (INFO commandstats before/after).
        const c0 = await commandCalls(redis.admin);
        await time(small);
        const c1 = await commandCalls(redis.admin);
        await time(large);
        const c2 = await commandCalls(redis.admin);
        const smallCalls = total(diffCalls(c0, c1)) - 1; // minus the INFO itself
        const largeCalls = total(diffCalls(c1, c2)) - 1;
        perRun.push({
          run: r,
          variant: v.name,
          smallP50: percentile(s, 50),
          largeP50: percentile(l, 50),
          smallP99: percentile(s, 99),
          largeP99: percentile(l, 99),
          ratio: percentile(l, 50) / percentile(s, 50),
          smallCalls,
          largeCalls,
          messagesSmall: ms,
          messagesLarge: ml,
        });
        progress.tick(1, `${v.name}: ratio ${fmt(percentile(l, 50) / percentile(s, 50), 2)}`);
      }
  } finally {
    conn.disconnect();
    await redis.stop();
  }
  progress.finish();

  const of = (name: string) => perRun.filter((x) => x.variant === name);
  const rows = variants.map((v) => {
    const xs = of(v.name);
    return [
      v.name,
      fmtSpread(spread(xs.map((x) => x.smallP50)), 2),
      fmtSpread(spread(xs.map((x) => x.largeP50)), 2),
      fmtSpread(spread(xs.map((x) => x.ratio)), 2),
      `${fmt(xs[0]?.smallCalls ?? NaN)} / ${fmt(xs[0]?.largeCalls ?? NaN)}`,
      `${fmt(xs[0]?.messagesSmall ?? NaN)} / ${fmt(xs[0]?.messagesLarge ?? NaN)}`,
      fmt(v.reads),
    ];
  });
  const targeted = variants.slice(0, 3);
  const targets: TargetResult[] = targeted.map((v) => {
    const ratio = spread(of(v.name).map((x) => x.ratio));
    return {
      scenario: 5,
      name: `getMessagesForLlm p50, 10⁵ vs 10² events of history (${v.name})`,
      target: 'ratio ≤ 1.3',
      measured: `${fmtSpread(ratio, 2)} (${fmtSpread(spread(of(v.name).map((x) => x.largeP50)), 2, ' ms')} vs ${fmtSpread(spread(of(v.name).map((x) => x.smallP50)), 2, ' ms')})`,
      met: ratio.median <= 1.3,
    };
  });
  const whole = spread(of(variants[3]!.name).map((x) => x.ratio));
  targets.push({
    scenario: 5,
    name: `getMessagesForLlm p50, 10⁵ vs 10² events (${variants[3]!.name})`,
    target: 'not applicable: the context asked for is the whole history',
    measured: `${fmtSpread(whole, 0)}×`,
    met: null,
  });
  if (large !== 100_000)
    for (const t of targets) t.name = t.name.replace('10⁵', `${fmt(large)} (quick mode)`);
  const chartSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: 'Scenario 5: getMessagesForLlm p50 by history length',
      subtitle: `${fmt(small)} vs ${fmt(large)} events in the session; one dot per run (log scale)`,
    },
    data: {
      values: perRun.flatMap((x) => [
        {
          variant: x.variant.replace(' (the answer is the whole history)', ' (whole history)'),
          history: `${fmt(small)} events`,
          p50: x.smallP50,
        },
        {
          variant: x.variant.replace(' (the answer is the whole history)', ' (whole history)'),
          history: `${fmt(large)} events`,
          p50: x.largeP50,
        },
      ]),
    },
    width: 200,
    height: 220,
    facet: {
      column: { field: 'variant', type: 'nominal', title: null, header: { labelLimit: 220 } },
    },
    spec: {
      width: 160,
      height: 220,
      layer: [
        {
          mark: { type: 'bar', opacity: 0.7 },
          encoding: {
            x: { field: 'history', type: 'nominal', title: null, axis: { labelAngle: 0 } },
            y: {
              aggregate: 'median',
              field: 'p50',
              type: 'quantitative',
              scale: { type: 'log' },
              title: 'p50 ms (log)',
            },
            color: { field: 'history', type: 'nominal', legend: null },
          },
        },
        {
          mark: { type: 'point', filled: true, color: 'black' },
          encoding: {
            x: { field: 'history', type: 'nominal' },
            y: { field: 'p50', type: 'quantitative' },
          },
        },
      ],
    },
  };
  delete (chartSpec as Record<string, unknown>)['width'];
  delete (chartSpec as Record<string, unknown>)['height'];
  return {
    id: 5,
    title: 'Context read cost against history length',
    mode: ctx.quick ? 'quick' : 'full',
    ranAt: new Date().toISOString(),
    seconds: (performance.now() - t0) / 1000,
    method: [
      `Four sessions are written directly through \`SessionEngine.applyBatch\` in batches of ${BATCH} events (no queue; every summary request is answered at once with a fixed summary, as the summarizer would): ${fmt(small)} and ${fmt(large)} events${large !== 100_000 ? ' (quick mode: 2·10⁴ instead of 10⁵)' : ''}, with infinite context off and on (20 turns per segment). Writing took ${Object.entries(
        buildSeconds,
      )
        .map(
          ([k, s]) =>
            `${k.startsWith('true') ? 'on' : 'off'}/${fmt(Number(k.split('-')[1]))}: ${s.toFixed(1)} s`,
        )
        .join(
          ', ',
        )}. Then \`SessionReader.messagesForLlm\` (what \`getMessagesForLlm\` runs after its read-your-writes wait) is timed in-process, small and large reads alternating, after 3 warm-up reads of each; ${runs} runs. Redis commands per read are the \`INFO commandstats\` delta of one read.`,
    ],
    tables: [
      {
        title: `getMessagesForLlm p50, ms — median of ${runs} runs (min–max)`,
        columns: [
          'variant',
          `p50, ${fmt(small)} events`,
          `p50, ${fmt(large)} events`,
          'ratio',
          'Redis commands per read (small / large)',
          'messages returned (small / large)',
          'reads per size per run',
        ],
        rows,
      },
    ],
    targets,
    findings: [],
    chart: 's5-read-cost.svg',
    chartSpec,
    raw: { perRun, buildSeconds, small, large },
  };
}

export const readCostScenario: Scenario = {
  id: 5,
  title: 'Context read cost against history length',
  run,
};
