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
