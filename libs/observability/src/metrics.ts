import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * What the metrics need of a queue: BullMQ's `Queue` has this shape, so pass queues as they are
 * (this lib does not import BullMQ). `getWaiting(0, 0)` is the oldest waiting job.
 */
export interface QueueProbe {
  readonly name: string;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
  getWaiting(start?: number, end?: number): Promise<Array<{ timestamp: number } | undefined>>;
}

export interface MetricsOptions {
  /**
   * Also export the process metrics of prom-client (CPU, memory, event loop lag, GC).
   *
   * @defaultValue true
   */
  defaultMetrics?: boolean;
  /** Labels put on every series, e.g. `{ component: 'server' }`. */
  defaultLabels?: Record<string, string>;
  /**
   * A reading of the queues is reused for this long after it completes. The gauges of one scrape
   * share the reading in flight whatever this is; raise it when many scrapers poll at once.
   *
   * @defaultValue 0
   */
  queueProbeCacheMs?: number;
  /** @defaultValue Date.now */
  now?: () => number;
}

/** A summary that landed, as the session worker sees it (seal → landed is the lag). */
export interface LandedSummary {
  kind: 'llm' | 'extractive' | 'custom';
  /** When the segment was sealed (ISO 8601); the request's `sealedAt`. */
  sealedAt: string;
  /** Whether the LLM failed and the extractive summary was used instead. */
  fellBack: boolean;
  /** Landed at; now when absent. */
  at?: Date;
}

/** LLM usage of one call, as the summarizer sees it. */
export interface LlmUsage {
  model: string;
  promptTokens: number;
  completionTokens: number;
  /** Integer nano-USD (core's `NanoUsd`). */
  costNano: number;
}

/** Latency buckets (seconds) from a few ms to a minute: accept → applied. */
const APPLY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Seconds from a segment's seal to its summary landing: an LLM call, retries, a backlog. */
const SUMMARY_LAG_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const HTTP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Job states that make up a partition's depth (jobs not yet done). */
const DEPTH_STATES = ['waiting', 'prioritized', 'delayed', 'active'];

/**
 * Threadline's Prometheus metrics, in their own prom-client `Registry` (one per process; a
 * test may make as many as it likes). The hooks are plain prom-client metrics:
 * `metrics.eventsApplied.inc(n)`, or the helpers `recordApplied`, `recordSummaryLanded`,
 * `recordLlmUsage`. Queue gauges are read from Redis on scrape (`watchQueues`).
 */
export class ThreadlineMetrics {
  readonly registry = new Registry();

  /** Events accepted at the door (HTTP 202, SDK submit), by where they came in. */
  readonly eventsAccepted: Counter<'source'>;
  /** Events applied to their session by a session worker (duplicates skipped are not counted). */
  readonly eventsApplied: Counter<string>;
  /** Seconds from an event's `occurredAt` (stamped at acceptance when the client gave none) to its commit. */
  readonly applyLatency: Histogram<string>;
  readonly summariesRequested: Counter<string>;
  /** Summaries attached to their segment, by kind (`llm`, `extractive`, `custom`). */
  readonly summariesLanded: Counter<'kind'>;
  /** Summaries for which the LLM failed and the extractive summary was used. */
  readonly summariesFellBack: Counter<string>;
  /** Seconds from a segment's seal to its summary landing. */
  readonly summaryLag: Histogram<string>;
  /** Tokens the LLM read (`prompt`) and wrote (`completion`), by model. */
  readonly llmTokens: Counter<'kind' | 'model'>;
  /** What the LLM calls cost, in USD, by model. */
  readonly llmCostUsd: Counter<'model'>;
  /** Jobs not yet done (waiting, prioritized, delayed, active) per queue; read on scrape. */
  readonly partitionDepth: Gauge<'queue'>;
  /** Age in seconds of the oldest waiting job per queue (0 when none waits); read on scrape. */
  readonly oldestWaitingAge: Gauge<'queue'>;
  /** 1 when the last queue scrape reached Redis, 0 when it failed. */
  readonly queueProbeUp: Gauge<string>;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  /**
   * Requests that presented a known tenant key, by key id (never the key) and outcome:
   * `accepted`, or `expired`. Shows which keys are still in use during a rotation.
   */
  readonly apiKeyRequests: Counter<'key_id' | 'outcome'>;
  /** Reloads of the API keys file, by result: `applied`, or `refused` (the previous keys kept). */
  readonly apiKeyReloads: Counter<'result'>;
  /** Tenant API keys held now (revoked ones left out). */
  readonly apiKeysLoaded: Gauge<string>;
  /** HTTP reads waiting for an event (`waitFor`) now, every tenant together. */
  readonly waitingReads: Gauge<string>;

  private queues: readonly QueueProbe[] = [];
  private probe: { at: number; result: Promise<QueueReading[]>; done: boolean } | null = null;
  private readonly probeCacheMs: number;
  private readonly now: () => number;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    this.probeCacheMs = options.queueProbeCacheMs ?? 0;
    this.now = options.now ?? Date.now;
    if (options.defaultLabels) this.registry.setDefaultLabels(options.defaultLabels);
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry }); // standard names: process_*, nodejs_*

    this.eventsAccepted = new Counter({
      name: 'threadline_events_accepted_total',
      help: 'Events accepted at the door (validated and enqueued), by source.',
      labelNames: ['source'],
      registers,
    });
    this.eventsApplied = new Counter({
      name: 'threadline_events_applied_total',
      help: 'Events applied to their session by a session worker.',
      registers,
    });
    this.applyLatency = new Histogram({
      name: 'threadline_apply_latency_seconds',
      help: "Seconds from an event's occurredAt (acceptance time when the client gave none) to its commit.",
      buckets: APPLY_BUCKETS,
      registers,
    });
    this.summariesRequested = new Counter({
      name: 'threadline_summaries_requested_total',
      help: 'Summary requests put on the summarize queue (a sealed segment waiting).',
      registers,
    });
    this.summariesLanded = new Counter({
      name: 'threadline_summaries_landed_total',
      help: 'Summaries attached to their segment, by kind.',
      labelNames: ['kind'],
      registers,
    });
    this.summariesFellBack = new Counter({
      name: 'threadline_summaries_fell_back_total',
      help: 'Summaries made by the extractive fallback because the LLM failed.',
      registers,
    });
    this.summaryLag = new Histogram({
      name: 'threadline_summary_lag_seconds',
      help: "Seconds from a segment's seal to its summary landing.",
      buckets: SUMMARY_LAG_BUCKETS,
      registers,
    });
    this.llmTokens = new Counter({
      name: 'threadline_llm_tokens_total',
      help: 'Tokens of LLM calls, by kind (prompt, completion) and model.',
      labelNames: ['kind', 'model'],
      registers,
    });
    this.llmCostUsd = new Counter({
      name: 'threadline_llm_cost_usd_total',
      help: 'Cost of LLM calls in USD, by model.',
      labelNames: ['model'],
      registers,
    });
    this.partitionDepth = new Gauge({
      name: 'threadline_queue_depth',
      help: 'Jobs not yet done (waiting, prioritized, delayed, active), per queue.',
      labelNames: ['queue'],
      registers,
      collect: async () => this.collectQueues(),
    });
    this.oldestWaitingAge = new Gauge({
      name: 'threadline_queue_oldest_waiting_age_seconds',
      help: 'Age of the oldest waiting job per queue, 0 when none waits.',
      labelNames: ['queue'],
      registers,
      collect: async () => this.collectQueues(),
    });
    this.queueProbeUp = new Gauge({
      name: 'threadline_queue_probe_up',
      help: '1 when the last scrape of the queues reached Redis, 0 when it failed.',
      registers,
      collect: async () => this.collectQueues(),
    });
    this.httpRequests = new Counter({
      name: 'threadline_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'threadline_http_request_duration_seconds',
      help: 'Seconds to answer an HTTP request, by method and route pattern.',
      labelNames: ['method', 'route'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.apiKeyRequests = new Counter({
      name: 'threadline_api_key_requests_total',
      help: 'Requests that presented a known tenant API key, by key id and outcome (accepted, expired).',
      labelNames: ['key_id', 'outcome'],
      registers,
    });
    this.apiKeyReloads = new Counter({
      name: 'threadline_api_key_reloads_total',
      help: 'Reloads of the API keys file, by result (applied; refused: the previous keys were kept).',
      labelNames: ['result'],
      registers,
    });
    this.waitingReads = new Gauge({
      name: 'threadline_http_waiting_reads',
      help: 'HTTP reads waiting for an event to be applied (waitFor) now, every tenant together.',
      registers,
    });
    this.apiKeysLoaded = new Gauge({
      name: 'threadline_api_keys_loaded',
      help: 'Tenant API keys the server holds now (revoked keys left out).',
      registers,
    });
  }

  /** The queues whose depth and oldest waiting job are read on every scrape (replaces any before). */
  watchQueues(queues: readonly QueueProbe[]): void {
    this.queues = [...queues];
    this.probe = null;
  }

  /** Events applied now: counts them and observes accept → applied from each `occurredAt`. */
  recordApplied(events: ReadonlyArray<{ occurredAt: string }>, at: Date = new Date()): void {
    this.eventsApplied.inc(events.length);
    for (const event of events) {
      const seconds = secondsBetween(event.occurredAt, at);
      if (seconds !== null) this.applyLatency.observe(seconds);
    }
  }

  recordSummaryLanded(summary: LandedSummary): void {
    this.summariesLanded.inc({ kind: summary.kind });
    if (summary.fellBack) this.summariesFellBack.inc();
    const seconds = secondsBetween(summary.sealedAt, summary.at ?? new Date());
    if (seconds !== null) this.summaryLag.observe(seconds);
  }

  recordLlmUsage(usage: LlmUsage): void {
    const model = usage.model;
    if (usage.promptTokens > 0) this.llmTokens.inc({ kind: 'prompt', model }, usage.promptTokens);
    if (usage.completionTokens > 0)
      this.llmTokens.inc({ kind: 'completion', model }, usage.completionTokens);
    if (usage.costNano > 0) this.llmCostUsd.inc({ model }, usage.costNano / 1e9);
  }

  /** The Prometheus text exposition of every metric of this registry. */
  async render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Both queue gauges share one reading per scrape (the one in flight, or one within `queueProbeCacheMs`). */
  private async collectQueues(): Promise<void> {
    const now = this.now();
    if (!this.probe || (this.probe.done && now - this.probe.at > this.probeCacheMs)) {
      const probe = { at: now, result: readQueues(this.queues, now), done: false };
      probe.result.then(
        () => (probe.done = true),
        () => (probe.done = true),
      );
      this.probe = probe;
    }
    let readings: QueueReading[];
    try {
      readings = await this.probe.result;
      this.queueProbeUp.set(1);
    } catch {
      // Redis unreachable: no stale values; the probe gauge says why the series are missing.
      this.partitionDepth.reset();
      this.oldestWaitingAge.reset();
      this.queueProbeUp.set(0);
      return;
    }
    for (const r of readings) {
      this.partitionDepth.set({ queue: r.queue }, r.depth);
      this.oldestWaitingAge.set({ queue: r.queue }, r.oldestWaitingSeconds);
    }
  }
}

interface QueueReading {
  queue: string;
  depth: number;
  oldestWaitingSeconds: number;
}

async function readQueues(queues: readonly QueueProbe[], now: number): Promise<QueueReading[]> {
  return Promise.all(
    queues.map(async (queue) => {
      const [counts, oldest] = await Promise.all([
        queue.getJobCounts(...DEPTH_STATES),
        queue.getWaiting(0, 0),
      ]);
      const depth = DEPTH_STATES.reduce((sum, state) => sum + (counts[state] ?? 0), 0);
      const timestamp = oldest[0]?.timestamp;
      return {
        queue: queue.name,
        depth,
        oldestWaitingSeconds: timestamp ? Math.max(0, (now - timestamp) / 1000) : 0,
      };
    }),
  );
}

function secondsBetween(fromIso: string, to: Date): number | null {
  const from = Date.parse(fromIso);
  if (Number.isNaN(from)) return null;
  return Math.max(0, (to.getTime() - from) / 1000);
}

/** A fresh set of Threadline metrics in its own registry. */
export function createMetrics(options: MetricsOptions = {}): ThreadlineMetrics {
  return new ThreadlineMetrics(options);
}

/**
 * Joins Prometheus text expositions (e.g. BullMQ's `exportPrometheusMetrics()` of several
 * queues, each repeating its `# HELP` and `# TYPE` lines) into one valid exposition: one HELP and
 * TYPE per metric, its samples together.
 */
export function mergeExpositions(texts: readonly string[]): string {
  const families = new Map<string, { help?: string; type?: string; samples: string[] }>();
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { samples: [] }));
    return f;
  };
  for (const text of texts)
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line) continue;
      const meta = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/.exec(line);
      if (meta) {
        const f = family(meta[2]!);
        if (meta[1] === 'HELP') f.help ??= line;
        else f.type ??= line;
        continue;
      }
      if (line.startsWith('#')) continue;
      const name = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(line)?.[0];
      if (!name) continue;
      // A histogram's or summary's `_bucket`/`_sum`/`_count` samples belong to their family.
      const base = name.replace(/_(bucket|sum|count)$/, '');
      family(base !== name && families.has(base) ? base : name).samples.push(line);
    }
  const out: string[] = [];
  for (const f of families.values()) {
    if (f.help) out.push(f.help);
    if (f.type) out.push(f.type);
    out.push(...f.samples);
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
