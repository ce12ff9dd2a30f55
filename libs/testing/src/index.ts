/**
 * @threadline/testing: what integration tests, benchmarks and chaos runs need around the code
 * under test. It does not import vitest; test-file helpers are in `@threadline/testing/vitest`.
 */
export { findFreePort, isPortFree, LOOPBACK_HOST } from './ports/free-port.ts';
export {
  startRedisServer,
  RedisServerStartError,
  type RedisServerHandle,
  type StartRedisServerOptions,
} from './redis/redis-server.ts';
export {
  startRedisCluster,
  type RedisClusterHandle,
  type RedisClusterNode,
  type StartRedisClusterOptions,
} from './redis/redis-cluster.ts';
export {
  resolveTestRedis,
  TESTCONTAINERS_REDIS_IMAGE,
  type TestRedis,
  type TestRedisSource,
} from './redis/resolve-test-redis.ts';
export { TEST_REDIS_URL_ENV } from './redis/test-redis-url-env.ts';
export { sendRedisCommand, type RedisReply } from './redis/redis-command.ts';
export { uniquePrefix } from './keys/unique-prefix.ts';
export { deleteKeysWithPrefix } from './keys/delete-keys-with-prefix.ts';
export { dumpKeys, globEscape, type DumpedKey } from './keys/dump-keys.ts';
export { startFakeLlm, type FakeLlm, type FakeLlmStats } from './fake-llm/fake-llm.ts';
export { transcriptOf } from './fake-llm/summary-transcript.ts';
export type { FakeLlmOptions } from './fake-llm/fake-llm-options.ts';
export { createRandom, type RandomSource } from './fake-llm/seeded-random.ts';
export {
  estimateTokens,
  type ChatCompletionRequest,
  type ChatCompletionResponse,
  type ChatMessage,
} from './fake-llm/chat-completion.ts';
export { REFUSAL_TEXT, type GarbageKind } from './fake-llm/garbage-reply.ts';
export { summarizeRequest } from './fake-llm/default-reply.ts';
export {
  SPIN_MARKER,
  THREAD_EXIT_MARKER,
  SPINNING_SUMMARIZER_MODULE,
  threadOfSummary,
} from './summarizers/spinning-summarizer.ts';
