import { randomUUID } from 'node:crypto';

/**
 * A fresh key prefix for one test file or test, `test-<label>-<8 hex>` (`test-<8 hex>`
 * without a label). It has no `:` and no glob characters, so it is safe as a BullMQ queue
 * prefix and as a Redis key prefix; characters of `label` outside `[A-Za-z0-9_-]` become `-`.
 */
export function uniquePrefix(label?: string): string {
  const id = randomUUID().replaceAll('-', '').slice(0, 8);
  const clean = label?.replace(/[^A-Za-z0-9_-]/g, '-');
  return clean ? `test-${clean}-${id}` : `test-${id}`;
}
