import { pino, type Logger, type LoggerOptions } from 'pino';
import { SecretRedactor } from './secret-redactor.ts';

export type { Logger };

/** Request and response headers that carry credentials. */
const CREDENTIAL_HEADERS = [
  'authorization',
  'x-api-key',
  'cookie',
  'set-cookie',
  'proxy-authorization',
  'x-forwarded-authorization',
];

/** Paths whose values never reach a log line: keys, tokens, credentials. */
export const REDACTED_PATHS = [
  'apiKey',
  '*.apiKey',
  'authorization',
  '*.authorization',
  'password',
  '*.password',
  'config.llm.apiKey',
  ...CREDENTIAL_HEADERS.flatMap((h) =>
    ['headers', 'req.headers', 'res.headers', '*.headers'].map((at) => `${at}["${h}"]`),
  ),
];

/**
 * Structured JSON logs (pino). One logger per process, a child per component:
 * `createLogger({ name: 'session-worker' }).child({ partition: 3 })`.
 */
export function createLogger(
  options: {
    name: string;
    level?: string;
    destination?: pino.DestinationStream;
    /**
     * Secrets redacted by value from every line, in every form (`SecretRedactor`): the API
     * keys, the admin key, the LLM key. Pass a `SecretRedactor` to change them later (keys
     * reloaded).
     */
    secrets?: SecretRedactor | Iterable<string>;
  } & LoggerOptions,
): Logger {
  // `name` goes in as `process` (pino would print it as `name` too); children add `component`,
  // so that a JSON line has each key once.
  const { destination, name, secrets, ...rest } = options;
  const redactor =
    secrets === undefined
      ? null
      : secrets instanceof SecretRedactor
        ? secrets
        : new SecretRedactor(secrets);
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: 'threadline', process: name },
    ...(redactor ? { hooks: { streamWrite: (line: string) => redactor.redact(line) } } : {}),
    ...rest,
  };
  return destination ? pino(config, destination) : pino(config);
}

/** A logger that writes nothing (libraries default to it). */
export const silentLogger: Logger = pino({ level: 'silent' });
