import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** Paths whose values never reach a log line: keys, tokens, credentials. */
export const REDACTED_PATHS = [
  'apiKey',
  '*.apiKey',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers["x-api-key"]',
  'password',
  '*.password',
  'config.llm.apiKey',
];

/**
 * Structured JSON logs (pino). One logger per process, a child per component:
 * `createLogger({ name: 'session-worker' }).child({ partition: 3 })`.
 */
export function createLogger(
  options: { name: string; level?: string; destination?: pino.DestinationStream } & LoggerOptions,
): Logger {
  // `name` goes in as `process` (pino would print it as `name` too); children add `component`,
  // so that a JSON line has each key once.
  const { destination, name, ...rest } = options;
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: 'threadline', process: name },
    ...rest,
  };
  return destination ? pino(config, destination) : pino(config);
}

/** A logger that writes nothing (libraries default to it). */
export const silentLogger: Logger = pino({ level: 'silent' });
