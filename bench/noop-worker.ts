/**
 * The baseline of scenario 1: bare BullMQ workers that do nothing, on the same partitions with
 * the same options as the session worker (one Worker per partition, global concurrency 1,
 * concurrency 1, same lock and stalled settings, same worker name, same shared connection, the
 * same Worker subclass), so that the only difference left is what the session worker does with
 * a job.
 *
 * Env: REDIS_URL, THREADLINE_PREFIX, THREADLINE_PARTITIONS (as the session worker).
 */
import { hostname } from 'node:os';
import { Queue, type Worker } from 'bullmq';
import {
  createRedisConnection,
  eventQueueName,
  runtimeEnvFrom,
  UnparseableDataTolerantWorker,
} from '@threadline/queue';

const env = runtimeEnvFrom(process.env);
if (!env.redis) throw new Error('REDIS_URL is required');
const connection = createRedisConnection(env.redis);
const workers: Worker[] = [];
for (let partition = 0; partition < env.topology.partitions; partition++) {
  const name = eventQueueName(partition);
  const queue = new Queue(name, { connection, prefix: env.topology.prefix });
  await queue.setGlobalConcurrency(1);
  await queue.close();
  workers.push(
    new UnparseableDataTolerantWorker(name, async () => ({ applied: 0 }), {
      connection,
      prefix: env.topology.prefix,
      concurrency: 1,
      lockDuration: 4000,
      stalledInterval: 2000,
      maxStalledCount: 1000,
      drainDelay: 1,
      name: `${hostname()}:${process.pid}`,
    }),
  );
}
await Promise.all(workers.map((w) => w.waitUntilReady()));
console.log(`noop workers serving partitions (${workers.length})`);

const stop = async () => {
  await Promise.all(workers.map((w) => w.close()));
  await connection.quit();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
