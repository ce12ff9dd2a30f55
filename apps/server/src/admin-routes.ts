import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { mergeExpositions, type ThreadlineMetrics } from '@threadline/observability';
import type { KeyRing } from './api-keys.ts';
import { requireAdmin } from './auth.ts';

/** Where the queue dashboard lives. */
export const DASHBOARD_PATH = '/admin/queues';

export interface AdminRoutesOptions {
  keys: KeyRing;
  metrics: ThreadlineMetrics;
  /** Every event partition queue, then the summarize queue. */
  queues: readonly Queue[];
  /**
   * The dashboard shows jobs but offers no buttons that change them (retry, remove, clean, pause).
   * Removing an event job loses that event, so the default is read-only.
   *
   * @defaultValue true
   */
  dashboardReadOnly: boolean;
}

/**
 * The operator routes, all behind the admin key: `/metrics` (our registry, then BullMQ's own
 * exporter of every queue's counts) and the Bull Board dashboard at `/admin/queues`.
 */
export async function registerAdminRoutes(
  app: FastifyInstance,
  options: AdminRoutesOptions,
): Promise<void> {
  const { keys, metrics, queues } = options;
  metrics.watchQueues(queues);

  await app.register(async (admin) => {
    admin.addHook('onRequest', requireAdmin(keys));

    admin.get('/metrics', async (_request, reply) => {
      const [own, bullmq] = await Promise.all([
        metrics.render(),
        Promise.all(queues.map((q) => q.exportPrometheusMetrics()))
          .then(mergeExpositions)
          // Redis unreachable: our own series still go out (threadline_queue_probe_up says 0).
          .catch(() => ''),
      ]);
      return reply
        .type(metrics.contentType)
        .send(`${own}${own.endsWith('\n') ? '' : '\n'}${bullmq}`);
    });

    const board = new FastifyAdapter();
    board.setBasePath(DASHBOARD_PATH);
    createBullBoard({
      queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: options.dashboardReadOnly })),
      serverAdapter: board,
      options: { uiConfig: { boardTitle: 'Threadline queues' } },
    });
    await admin.register(board.registerPlugin(), { prefix: DASHBOARD_PATH });
  });
}
