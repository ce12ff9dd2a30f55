/**
 * @threadline/chaos: the chaos run of issue 6 (`npm run chaos`), and its parts for the tests.
 */
export {
  runChaos,
  DEFAULT_CHAOS_OPTIONS,
  type ChaosOptions,
  type ChaosReport,
} from './run-chaos.ts';
export { runChaosCommand, type ChaosCommandIo } from './chaos-command.ts';
export { renderChaosReport } from './chaos-report.ts';
export { checkSession, type Violation, type ViolationKind } from './chaos-checker.ts';
export { makeConversationPlan, type SessionPlan } from './conversation-plan.ts';
