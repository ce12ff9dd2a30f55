import { z } from 'zod';
import { defaultTokenCounter, ValidationError, type Summarizer } from '@threadline/core';
import {
  createIsolatedSummarizer,
  describeThreadFailure,
  createLlmSummarizerWithFallback,
  llmConfigFromEnv,
  OpenAiCompatibleClient,
  summaryIsolationConfigFromEnv,
} from '@threadline/llm';
import {
  createLogger,
  createMetrics,
  exitGracefullyOnSignals,
  serveMetrics,
} from '@threadline/observability';
import { runtimeEnvFrom } from '@threadline/queue';
import { startSummarizerWorker, type SummarizerWorkerHandle } from './summarizer-worker.ts';

const SummarizerEnvSchema = z.object({
  /** Summaries made at once by this process. */
  THREADLINE_SUMMARIZER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  /** LLM calls per second across the whole pool (BullMQ limiter); unset = no limit. */
  THREADLINE_LLM_RATE_PER_SECOND: z.coerce.number().int().min(1).max(10_000).optional(),
});

/** `summarizer`: consumes the summarize queue until SIGTERM/SIGINT, then drains and exits. */
async function main(): Promise<void> {
  let env;
  try {
    env = runtimeEnvFrom(process.env);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    console.error(`summarizer: environment: ${error.message}`);
    process.exit(2);
  }
  const own = SummarizerEnvSchema.parse(process.env);
  const llm = llmConfigFromEnv(process.env);
  // THREADLINE_SUMMARY_TIMEOUT_MS (10000), THREADLINE_SUMMARY_THREADS (1).
  const isolation = summaryIsolationConfigFromEnv(process.env);
  // The LLM key is redacted by value too: a provider or a proxy may echo it anywhere.
  const logger = createLogger({
    name: 'summarizer',
    level: env.logLevel,
    secrets: llm?.apiKey ? [llm.apiKey] : [],
  });
  if (!env.redis) {
    logger.fatal(
      'REDIS_URL (or REDIS_CLUSTER_NODES) is required: the summarizer consumes a BullMQ queue on Redis',
    );
    process.exit(2);
  }
  const prices = env.prices;
  let handle: SummarizerWorkerHandle | null = null;
  // The extractive summarizer (alone, or the LLM's fallback) runs in worker threads with a hard
  // timeout, so a hostile segment cannot block this event loop (locks, the queue, metrics).
  const extractive = createIsolatedSummarizer({
    ...isolation,
    onThreadFailure: (failure) => {
      const { fields, message } = describeThreadFailure(failure);
      logger.warn(fields, message);
    },
  });
  let summarizer: Summarizer;
  if (llm) {
    const client = new OpenAiCompatibleClient({
      baseUrl: llm.baseUrl,
      apiKey: llm.apiKey,
      model: llm.model,
      timeoutMs: llm.timeoutMs,
    });
    summarizer = createLlmSummarizerWithFallback({
      client,
      prices,
      tokens: defaultTokenCounter,
      maxAttempts: llm.maxAttempts,
      // A 429 pauses the whole pool for what Retry-After asks; this call waits it out too.
      onRateLimit: (ms) => handle?.rateLimit(ms),
      // The full error for operators; the summary's fallbackReason only says its kind.
      onFallback: (error) => logger.warn({ err: error }, 'LLM summary failed, extractive used'),
      fallback: extractive,
    });
    logger.info(
      { baseUrl: llm.baseUrl, model: llm.model },
      'summaries by the LLM, extractive fallback',
    );
  } else {
    summarizer = extractive;
    logger.info('no THREADLINE_LLM_BASE_URL: extractive summaries only');
  }
  const metrics = createMetrics();
  handle = await startSummarizerWorker({
    metrics,
    redis: env.redis,
    topology: env.topology,
    summarizer,
    concurrency: own.THREADLINE_SUMMARIZER_CONCURRENCY,
    limiter: own.THREADLINE_LLM_RATE_PER_SECOND
      ? { max: own.THREADLINE_LLM_RATE_PER_SECOND, durationMs: 1000 }
      : undefined,
    logger,
  });
  const worker = handle;
  const endpoint = env.metricsPort ? await serveMetrics(metrics, env.metricsPort) : null;
  if (endpoint) logger.info({ url: endpoint.url }, 'metrics served');
  exitGracefullyOnSignals({
    logger,
    close: async () => {
      await worker.close();
      await extractive.close();
      await endpoint?.close();
    },
    graceMs: 30_000,
    what: 'in-flight summaries',
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
