import { MetadataSchema } from '../schemas/event.ts';
import { parseOrThrow } from '../errors/validation-error.ts';
import type { SessionPatch } from '../schemas/session-config.ts';
import type { PersistedSession } from './decide.ts';

/**
 * The session with a patch applied (see `PatchSessionSchema`): metadata merged (a `null` value
 * removes its key), retention replaced, `updatedAt` moved to `at`. The merged metadata must
 * still be within its size limit (a ValidationError naming `metadata` otherwise). Pure.
 */
export function patchSession(
  session: PersistedSession,
  patch: SessionPatch,
  at: string,
): PersistedSession {
  const context = session.context;
  let metadata = context.metadata;
  if (patch.metadata !== undefined) {
    const merged: Record<string, unknown> = { ...context.metadata };
    for (const [key, value] of Object.entries(patch.metadata)) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    metadata = parseOrThrow(MetadataSchema, merged, 'metadata');
  }
  const config =
    patch.retentionSeconds === undefined
      ? context.config
      : { ...context.config, retentionSeconds: patch.retentionSeconds };
  return { value: session.value, context: { ...context, metadata, config, updatedAt: at } };
}
