import { describe, expect, it } from 'vitest';
import { createMetrics, mergeExpositions, type QueueProbe } from '@threadline/observability';

/** A queue as the metrics see it, without Redis. */
function fakeQueue(
  name: string,
  counts: Record<string, number>,
  oldestAt: number | null,
): QueueProbe & { reads: number } {
  const queue = {
    name,
    reads: 0,
    async getJobCounts(...types: string[]) {
      queue.reads++;
      return Object.fromEntries(types.map((t) => [t, counts[t] ?? 0]));
    },
    async getWaiting() {
      return oldestAt === null ? [] : [{ timestamp: oldestAt }];
    },
  };
  return queue;
}

const sample = (text: string, series: string) =>
  Number(new RegExp(`^${series.replace(/[{}"\\]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);

describe('the metrics (libs/observability)', () => {
  it('counts applied events and observes accept → applied from occurredAt', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const at = new Date('2026-01-01T00:00:10Z');
    metrics.recordApplied(
      [
        { occurredAt: '2026-01-01T00:00:09.800Z' },
        { occurredAt: '2026-01-01T00:00:07Z' },
        { occurredAt: 'not a date' },
      ],
      at,
    );
    const text = await metrics.render();
    expect(sample(text, 'threadline_events_applied_total')).toBe(3);
    expect(sample(text, 'threadline_apply_latency_seconds_count')).toBe(2);
    expect(sample(text, 'threadline_apply_latency_seconds_sum')).toBeCloseTo(3.2, 5);
    expect(sample(text, 'threadline_apply_latency_seconds_bucket{le="0.25"}')).toBe(1);
  });

  it('counts summaries by kind, the fallbacks, the lag from the seal, and LLM tokens and cost', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.summariesRequested.inc(2);
    metrics.recordSummaryLanded({
      kind: 'llm',
      sealedAt: '2026-01-01T00:00:00Z',
      fellBack: false,
      at: new Date('2026-01-01T00:00:02Z'),
    });
    metrics.recordSummaryLanded({
      kind: 'extractive',
      sealedAt: '2026-01-01T00:00:00Z',
      fellBack: true,
      at: new Date('2026-01-01T00:01:00Z'),
    });
    metrics.recordLlmUsage({
      model: 'gpt-4o-mini',
      promptTokens: 1200,
      completionTokens: 300,
      costNano: 360_000,
    });
    const text = await metrics.render();
    expect(sample(text, 'threadline_summaries_requested_total')).toBe(2);
    expect(sample(text, 'threadline_summaries_landed_total{kind="llm"}')).toBe(1);
    expect(sample(text, 'threadline_summaries_landed_total{kind="extractive"}')).toBe(1);
    expect(sample(text, 'threadline_summaries_fell_back_total')).toBe(1);
    expect(sample(text, 'threadline_summary_lag_seconds_sum')).toBe(62);
    expect(sample(text, 'threadline_llm_tokens_total{kind="prompt",model="gpt-4o-mini"}')).toBe(
      1200,
    );
    expect(sample(text, 'threadline_llm_tokens_total{kind="completion",model="gpt-4o-mini"}')).toBe(
      300,
    );
    expect(sample(text, 'threadline_llm_cost_usd_total{model="gpt-4o-mini"}')).toBeCloseTo(
      0.00036,
      10,
    );
  });

  it('reads queue depth and the oldest waiting job on scrape, once per scrape for both gauges', async () => {
    const now = 1_000_000;
    const busy = fakeQueue(
      '{events-0}',
      { waiting: 3, active: 1, delayed: 2, completed: 50 },
      now - 4_500,
    );
    const quiet = fakeQueue('{summarize}', {}, null);
    const metrics = createMetrics({ defaultMetrics: false, now: () => now });
    metrics.watchQueues([busy, quiet]);
    const text = await metrics.render();
    expect(sample(text, 'threadline_queue_depth{queue="{events-0}"}')).toBe(6);
    expect(sample(text, 'threadline_queue_oldest_waiting_age_seconds{queue="{events-0}"}')).toBe(
      4.5,
    );
    expect(sample(text, 'threadline_queue_depth{queue="{summarize}"}')).toBe(0);
    expect(sample(text, 'threadline_queue_probe_up')).toBe(1);
    expect(busy.reads).toBe(1);
  });

  it('drops the queue series and says so when Redis cannot be read', async () => {
    const broken: QueueProbe = {
      name: '{events-0}',
      getJobCounts: () => Promise.reject(new Error('ECONNREFUSED')),
      getWaiting: () => Promise.reject(new Error('ECONNREFUSED')),
    };
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.watchQueues([broken]);
    const text = await metrics.render();
    expect(text).not.toMatch(/^threadline_queue_depth\{/m);
    expect(sample(text, 'threadline_queue_probe_up')).toBe(0);
  });

  it("merges expositions that repeat HELP and TYPE (BullMQ's, one per queue) into one valid text", () => {
    const queue = (name: string, n: number) =>
      `# HELP bullmq_job_count Number of jobs\n# TYPE bullmq_job_count gauge\nbullmq_job_count{queue="${name}", state="waiting"} ${n}\n# HELP h Hist\n# TYPE h histogram\nh_bucket{le="1"} ${n}\nh_sum ${n}\nh_count ${n}`;
    expect(mergeExpositions([queue('a', 1), queue('b', 2)])).toBe(
      [
        '# HELP bullmq_job_count Number of jobs',
        '# TYPE bullmq_job_count gauge',
        'bullmq_job_count{queue="a", state="waiting"} 1',
        'bullmq_job_count{queue="b", state="waiting"} 2',
        '# HELP h Hist',
        '# TYPE h histogram',
        'h_bucket{le="1"} 1',
        'h_sum 1',
        'h_count 1',
        'h_bucket{le="1"} 2',
        'h_sum 2',
        'h_count 2',
        '',
      ].join('\n'),
    );
    expect(mergeExpositions([])).toBe('');
  });
});
