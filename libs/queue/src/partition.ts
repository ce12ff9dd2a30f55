/**
 * The partition of a session: FNV-1a (32-bit) over the UTF-8 bytes of `<tenant>/<sessionId>`,
 * modulo the number of partitions. Stable and easy to compute in any language, so that a
 * producer in Python or PHP enqueues to the same queue as we do:
 *
 * ```python
 * def partition_of(tenant: str, session_id: str, partitions: int = 16) -> int:
 *     h = 0x811C9DC5
 *     for b in f"{tenant}/{session_id}".encode("utf-8"):
 *         h ^= b
 *         h = (h * 0x01000193) & 0xFFFFFFFF
 *     return h % partitions
 * ```
 */
export function partitionOf(tenant: string, sessionId: string, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1)
    throw new RangeError(`partitions: expected an integer >= 1, received ${partitions}`);
  return fnv1a32(new TextEncoder().encode(`${tenant}/${sessionId}`)) % partitions;
}

export function fnv1a32(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}
