/**
 * @threadline/cli as a library: the command line (`runCli`) and the pieces other tools reuse
 * (the benchmarks drive `runLoad` with their own targets; `threadline-chaos` parses its flags and
 * prints its tables with the same helpers).
 */
export { runCli, processIo, type CliIo } from './cli.ts';
export { startLocalFleet, type LocalFleet } from './local-fleet.ts';
export { startEmbeddedRedis, EmbeddedRedisError, type EmbeddedRedis } from './embedded-redis.ts';
export { runLoad, type LoadRunOptions, type LoadRunResult } from './loadgen/run-loadgen.ts';
export {
  makeLoadPlan,
  plannedEvent,
  type LoadPlan,
  type PlannedEvent,
} from './loadgen/load-plan.ts';
export type { LoadTarget } from './loadgen/load-target.ts';
export { renderSessionReport } from './session-report.ts';
export {
  parseCommandLine,
  renderCommandHelp,
  UsageError,
  wholeNumberFlag,
  type FlagSpec,
} from './cli-args.ts';
export { renderFacts, renderTable, type TableColumn } from './text-table.ts';
