import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { LOOPBACK_HOST } from '../ports/free-port.ts';
import { chatCompletion, type ChatCompletionRequest } from './chat-completion.ts';
import { summarizeRequest } from './default-reply.ts';
import {
  FAKE_LLM_DEFAULTS,
  validateFakeLlmOptions,
  type FakeLlmOptions,
  type ResolvedFakeLlmOptions,
} from './fake-llm-options.ts';
import { garbageReply, type GarbageKind } from './garbage-reply.ts';
import { createRandom, type RandomSource } from './seeded-random.ts';

/** What the fake has seen and done since it started or was last `reset()`. */
export interface FakeLlmStats {
  /** `POST /v1/chat/completions` requests received, whatever became of them. */
  requests: number;
  /** Normal `200` answers. */
  ok: number;
  /** `500` answers (drawn by `failureRate`, or a `reply` function that threw). */
  failures: number;
  /** Requests left unanswered on purpose (`timeoutRate`). */
  timeouts: number;
  /** `429` answers. */
  rateLimited: number;
  /** `200` answers with garbage content (not counted in `ok`). */
  garbage: number;
  /** `401` answers (missing or wrong API key). */
  unauthorized: number;
  /** `400` answers (body not JSON, no `messages` array, or `stream: true`). */
  badRequests: number;
  /** Requests received and not yet answered or aborted. */
  inFlight: number;
  /** The largest `inFlight` seen. */
  maxInFlight: number;
}

/** A running fake OpenAI-compatible server. */
export interface FakeLlm {
  /** Base URL ending in `/v1`, e.g. `http://127.0.0.1:41234/v1`, for an OpenAI client's baseURL. */
  readonly url: string;
  readonly port: number;
  /** A copy of the counters. */
  stats(): FakeLlmStats;
  /** The most recent request bodies (at most `maxRecordedRequests`), oldest first. */
  requests(): ChatCompletionRequest[];
  /** Changes some options; the others keep their values. Throws on an invalid value. */
  configure(partial: FakeLlmOptions): void;
  /** Zeroes the counters (but `inFlight`), forgets the recorded requests, re-seeds the PRNG. */
  reset(): void;
  /** Stops listening and destroys every open connection, hanging ones included. */
  close(): Promise<void>;
}

type Outcome = 'timeout' | 'rateLimit' | 'failure' | 'garbage' | 'ok';

/**
 * Starts a fake OpenAI-compatible LLM on 127.0.0.1 (a free port) implementing
 * `POST /v1/chat/completions` and `GET /v1/models`, with latency, failures, rate limits,
 * timeouts and garbage answers injected at the rates given in `opts`.
 */
export async function startFakeLlm(opts: FakeLlmOptions = {}): Promise<FakeLlm> {
  validateFakeLlmOptions(opts);
  let options = merge({ ...FAKE_LLM_DEFAULTS, reply: summarizeRequest }, opts);
  let random: RandomSource = createRandom(options.seed);
  let stats = emptyStats();
  let inFlight = 0;
  let recorded: ChatCompletionRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const drawOutcome = (): Outcome => {
    let r = random();
    const bands: Array<[Outcome, number]> = [
      ['timeout', options.timeoutRate],
      ['rateLimit', options.rateLimitRate],
      ['failure', options.failureRate],
      ['garbage', options.garbageRate],
    ];
    for (const [outcome, rate] of bands) {
      if (r < rate) return outcome;
      r -= rate;
    }
    return 'ok';
  };

  const drawLatency = (): number => {
    const { latencyMs } = options;
    if (!Array.isArray(latencyMs)) return latencyMs;
    const [min, max] = latencyMs;
    return min + random() * (max - min);
  };

  const drawGarbageKind = (): GarbageKind => {
    if (options.garbageKind !== 'mixed') return options.garbageKind;
    const kinds: GarbageKind[] = ['empty', 'refusal', 'noise'];
    return kinds[Math.floor(random() * kinds.length)] ?? 'empty';
  };

  const authorized = (req: IncomingMessage): boolean =>
    options.apiKey === undefined || req.headers.authorization === `Bearer ${options.apiKey}`;

  const refusal = (req: IncomingMessage): string =>
    options.echoKeyOnRefusal
      ? `Incorrect API key provided: ${String(req.headers.authorization ?? '').replace(/^Bearer /, '')}.`
      : 'Incorrect API key provided.';

  const chatCompletions = async (req: IncomingMessage, res: ServerResponse) => {
    stats.requests++;
    inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
    res.once('close', () => inFlight--);

    if (!authorized(req)) {
      stats.unauthorized++;
      return sendError(res, 401, refusal(req), 'invalid_request_error', 'invalid_api_key');
    }
    const body = parseRequest(await readBody(req));
    if (typeof body === 'string') {
      stats.badRequests++;
      return sendError(res, 400, body, 'invalid_request_error', null);
    }
    recorded.push(body);
    if (recorded.length > options.maxRecordedRequests) {
      recorded.splice(0, recorded.length - options.maxRecordedRequests);
    }

    const outcome = drawOutcome();
    if (outcome === 'timeout') {
      stats.timeouts++;
      return; // never answered: the client's abort (or close()) ends it
    }
    const latency = drawLatency();
    const garbageKind = outcome === 'garbage' ? drawGarbageKind() : undefined;
    const garbage = garbageKind && garbageReply(garbageKind, random, options.noiseChars);
    if (latency > 0) await sleep(latency);
    if (res.destroyed) return; // the client gave up while we waited

    if (outcome === 'rateLimit') {
      stats.rateLimited++;
      res.setHeader('Retry-After', String(Math.ceil(options.retryAfterSeconds)));
      res.setHeader('retry-after-ms', String(Math.round(options.retryAfterSeconds * 1000)));
      return sendError(
        res,
        429,
        'Rate limit reached (fake LLM).',
        'requests',
        'rate_limit_exceeded',
      );
    }
    if (outcome === 'failure') {
      stats.failures++;
      return sendError(
        res,
        500,
        'The server had an error while processing your request (fake LLM).',
        'server_error',
        null,
      );
    }
    if (garbage !== undefined) {
      stats.garbage++;
      return sendJson(res, 200, chatCompletion(body, garbage, completionId(), options.model));
    }
    let content: string;
    try {
      content = await options.reply(body);
    } catch (error) {
      stats.failures++;
      const reason = error instanceof Error ? error.message : String(error);
      return sendError(
        res,
        500,
        `the fake LLM's reply function threw: ${reason}`,
        'server_error',
        null,
      );
    }
    stats.ok++;
    sendJson(res, 200, chatCompletion(body, content, completionId(), options.model));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'POST' && path === '/v1/chat/completions') return chatCompletions(req, res);
    if (req.method === 'GET' && path === '/v1/models') {
      if (!authorized(req)) {
        return sendError(
          res,
          401,
          'Incorrect API key provided.',
          'invalid_request_error',
          'invalid_api_key',
        );
      }
      return sendJson(res, 200, {
        object: 'list',
        data: [{ id: options.model, object: 'model', created: 0, owned_by: 'threadline-testing' }],
      });
    }
    sendError(
      res,
      404,
      `the fake LLM serves POST /v1/chat/completions and GET /v1/models, not ${req.method} ${path}`,
      'invalid_request_error',
      'unknown_url',
    );
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      sendError(res, 500, `fake LLM internal error: ${String(error)}`, 'server_error', null);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK_HOST, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    url: `http://${LOOPBACK_HOST}:${port}/v1`,
    port,
    stats: () => ({ ...stats, inFlight }),
    requests: () => [...recorded],
    configure(partial) {
      validateFakeLlmOptions(partial);
      options = merge(options, partial);
      if ('seed' in partial) random = createRandom(options.seed);
    },
    reset() {
      stats = { ...emptyStats(), maxInFlight: inFlight };
      recorded = [];
      random = createRandom(options.seed);
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

function merge(base: ResolvedFakeLlmOptions, partial: FakeLlmOptions): ResolvedFakeLlmOptions {
  const next: ResolvedFakeLlmOptions = { ...base };
  for (const [key, value] of Object.entries(partial) as Array<[keyof FakeLlmOptions, unknown]>) {
    // seed and apiKey may be cleared with undefined; the others keep their value
    if (value !== undefined || key === 'seed' || key === 'apiKey') {
      (next as unknown as Record<string, unknown>)[key] = value;
    }
  }
  return next;
}

function emptyStats(): FakeLlmStats {
  return {
    requests: 0,
    ok: 0,
    failures: 0,
    timeouts: 0,
    rateLimited: 0,
    garbage: 0,
    unauthorized: 0,
    badRequests: 0,
    inFlight: 0,
    maxInFlight: 0,
  };
}

function completionId(): string {
  return `chatcmpl-fake-${randomUUID()}`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The request, or a message saying what is wrong with it. */
function parseRequest(text: string): ChatCompletionRequest | string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'the request body is not valid JSON';
  }
  if (
    typeof body !== 'object' ||
    body === null ||
    !Array.isArray((body as { messages?: unknown }).messages)
  ) {
    return 'messages: expected an array of { role, content } objects';
  }
  const messages = (body as { messages: unknown[] }).messages;
  const badIndex = messages.findIndex(
    (m) =>
      typeof m !== 'object' || m === null || typeof (m as { role?: unknown }).role !== 'string',
  );
  if (badIndex >= 0) return `messages[${badIndex}]: expected an object with a string role`;
  if ((body as { stream?: unknown }).stream === true) {
    return 'stream: the fake LLM does not stream; send stream: false or leave it out';
  }
  return body as ChatCompletionRequest;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  type: string,
  code: string | null,
): void {
  sendJson(res, status, { error: { message, type, param: null, code } });
}
