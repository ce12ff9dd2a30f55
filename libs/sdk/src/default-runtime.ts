import { EmbeddedRuntime, type Runtime } from '@threadline/runtime';

let current: Runtime | null = null;

/** The runtime SessionManagers use when given none: one embedded runtime per process. */
export function defaultRuntime(): Runtime {
  current ??= new EmbeddedRuntime();
  return current;
}

/** Replaces the process-wide default runtime (e.g. with a Redis runtime at startup). */
export function setDefaultRuntime(runtime: Runtime): void {
  current = runtime;
}

/**
 * Erases every session of an end user (the `subjectId` they were created with) of the runtime's
 * tenant, everywhere (the runtime's `eraseSubject`); the ids of the sessions that existed.
 * `DELETE /v1/subjects/:subjectId` over HTTP.
 */
export function eraseSubject(
  subjectId: string,
  options: { runtime?: Runtime } = {},
): Promise<string[]> {
  return (options.runtime ?? defaultRuntime()).eraseSubject(subjectId);
}
