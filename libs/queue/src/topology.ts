/**
 * Queue names and options. Every queue has its own Redis Cluster hash tag (the braces in its
 * name), so a cluster spreads partitions over nodes; BullMQ keys are `<prefix>:<name>:<part>`.
 */
export interface QueueTopology {
  /**
   * BullMQ key prefix shared by every queue.
   *
   * @defaultValue 'tl'
   */
  prefix: string;
  /**
   * Number of event partitions P (`{events-0}` … `{events-P-1}`). Changing it moves sessions
   * between partitions: drain the queues first.
   *
   * @defaultValue 16
   */
  partitions: number;
}

export const DEFAULT_TOPOLOGY: QueueTopology = { prefix: 'tl', partitions: 16 };

/** Name of event partition `p`: `{events-p}` (the braces are its hash tag). */
export function eventQueueName(p: number): string {
  return `{events-${p}}`;
}

/** Name of the queue summarizer workers consume. */
export const SUMMARIZE_QUEUE = '{summarize}';

export function eventQueueNames(topology: QueueTopology): string[] {
  return Array.from({ length: topology.partitions }, (_, p) => eventQueueName(p));
}

/** Job name of an event job (informational: workers accept any name). */
export const EVENT_JOB_NAME = 'events';
export const SUMMARIZE_JOB_NAME = 'summarize';
