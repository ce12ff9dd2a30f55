/**
 * @threadline/eval: the context-quality evaluation (`npm run eval`), and its parts for the tests.
 */
export { runEvalCommand, type EvalCommandIo } from './eval-command.ts';
export {
  runEval,
  generateCorpus,
  METHODS,
  type Method,
  type CellRecord,
  type EvalResults,
  type EvalProgress,
} from './run/run-eval.ts';
export {
  defaultOptions,
  settingsRows,
  HEADLINE,
  FULL_GRID,
  QUICK_GRID,
  type EvalOptions,
  type EvalGrid,
  type LlmTarget,
} from './run/eval-options.ts';
export { generateConversation, DOMAIN_KITS } from './generator/generate-conversation.ts';
export type { Conversation, Domain, ScriptEvent } from './generator/conversation.ts';
export { aggregate, judge, TARGETS, type Aggregate } from './report/aggregate.ts';
export { evalMarkdown } from './report/eval-markdown.ts';
