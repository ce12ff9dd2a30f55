import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionManager } from '@threadline/sdk';
import { startRedisCluster, type RedisClusterHandle } from '@threadline/testing';
import { startInProcessFleet, type InProcessFleet } from './fleet.ts';

let cluster: RedisClusterHandle;
let fleet: InProcessFleet;

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 });
  const clusterNodes = cluster.startupNodes.map((n) => `${n.host}:${n.port}`).join(',');
  fleet = await startInProcessFleet({ clusterNodes, prefix: 'tl', partitions: 6 });
}, 60_000);

afterAll(async () => {
  await fleet?.close();
  await cluster?.stop();
});

describe('on a 3-master Redis Cluster', () => {
  it('runs the end-to-end flow for sessions spread over every node, with no CROSSSLOT error', async () => {
    const managers = Array.from(
      { length: 12 },
      (_, i) =>
        new SessionManager({
          runtime: fleet.runtime,
          sessionId: `cluster-${i}`,
          infiniteContext: true,
          maxTurnsPerSegment: 2,
          systemPrompt: 'Be kind.',
        }),
    );
    await Promise.all(
      managers.map(async (sm, i) => {
        await sm.userSays(`Session ${i}: my budget is ${100 + i} EUR.`);
        await sm.aiResponds(`Noted: ${100 + i} EUR.`);
        await sm.toolUsed('lookup', { i }, { ok: true });
        await sm.userSays('Thanks, book it.');
      }),
    );
    for (const sm of managers) await sm.getStats();
    await fleet.runtime.idle();
    for (const [i, sm] of managers.entries()) {
      const chain = await sm.getChain();
      expect(chain.map((s) => s.status)).toEqual(['summarized', 'open']);
      const messages = await sm.getMessagesForLlm();
      expect(messages[1]!.content).toContain(`${100 + i} EUR`);
      expect(messages.at(-1)).toEqual({ role: 'user', content: 'Thanks, book it.' });
    }
    // The sessions' keys landed on more than one node.
    const nodesWithKeys = await Promise.all(
      cluster.nodes.map(async (n) => {
        const { Redis } = await import('ioredis');
        const r = new Redis(n.port, n.host);
        const size = await r.dbsize();
        await r.quit();
        return size;
      }),
    );
    expect(nodesWithKeys.filter((n) => n > 0).length).toBeGreaterThan(1);
  });
});
