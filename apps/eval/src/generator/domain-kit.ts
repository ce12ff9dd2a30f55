import type { ArtifactCategory, Domain, FactCategory } from './conversation.ts';
import type { Rng } from './rng.ts';
import type { ValueRegistry } from './value-registry.ts';

/** What a domain's builders draw from: the PRNG, and claimed values (unique in the conversation). */
export interface Gen {
  rng: Rng;
  registry: ValueRegistry;
  domain: Domain;
  /** An id-like value of this category (claimed): the same maker plants artifacts and decoys. */
  artifact(category: ArtifactCategory): string;
  /** An opaque id with a prefix (`cus_…`), claimed. */
  id(prefix: string, length?: number): string;
  /** A time as a tool result lists it (`07:42`); never equal to a decided time. */
  time(): string;
  /** A time someone decides on (`7:15`), claimed. */
  decidedTime(): string;
  /** A version like `3.14.2`, claimed. */
  version(): string;
  /** An ISO date in 2026 (not claimed: dates in results are never probe values). */
  date(): string;
  /** A person's name for a record (claimed, so never equal to a planted name). */
  person(): string;
}

/** A subject the conversation keeps coming back to. */
export interface Topic {
  name: string;
  /** What the user asks about it (`{slot}` placeholders are filled from `slots`). */
  questions: readonly string[];
  /** Sentences the assistant answers with. */
  answers: readonly string[];
  /** Markdown bullet items the assistant may list. */
  list?: readonly string[];
  /** Fenced code blocks the assistant may show (coding). */
  code?: readonly string[];
  slots?: Readonly<Record<string, readonly string[]>>;
}

/** Where an artifact sits in the record a lookup returns. */
export interface ArtifactSlot {
  category: ArtifactCategory;
  path: ReadonlyArray<string | number>;
  /** How the user later refers to it without its value; `{item}` is the record's name. */
  references: readonly string[];
}

/** A tool the assistant calls to look something up. */
export interface Lookup {
  tool: string;
  /** The user's request; `{item}` names the record they mean. */
  asks: readonly string[];
  /** Names of records: the one the user means, and the others in a list result. */
  items: readonly string[];
  args(g: Gen, item: string): Record<string, unknown>;
  record(g: Gen, item: string): Record<string, unknown>;
  /** A list result: `envelope(records)`; otherwise the one record is the result. */
  envelope?: (records: Record<string, unknown>[], g: Gen) => Record<string, unknown>;
  /** Artifacts that can be planted in the record the user means. */
  artifacts: readonly ArtifactSlot[];
  /** The assistant's answer sentences once the result is in (`{item}`). */
  answers: readonly string[];
  /** The assistant's answer when the user later refers back to the record (`{item}`). */
  referenceAnswers: readonly string[];
}

/** A choice the user makes and may revise. */
export interface DecisionKind {
  subject: string;
  /** Draws (and claims) a value. */
  value(g: Gen): string;
  /** User: the first decision (`{v}`). */
  decide: readonly string[];
  /** Assistant: acknowledges it (`{v}`). */
  confirm: readonly string[];
  /** User: the revision (`{new}`, and `{old}` in some). */
  revise: readonly string[];
  /** Assistant: acknowledges the revision (`{new}`). */
  confirmRevision: readonly string[];
}

export interface DomainKit {
  domain: Domain;
  systemPrompt: string;
  topics: readonly Topic[];
  /** User sentences stating a fact in passing (`{v}`), by category. */
  facts: Readonly<Partial<Record<FactCategory, readonly string[]>>>;
  decisions: readonly DecisionKind[];
  lookups: readonly Lookup[];
  /** Assistant: says it will check (before tool calls). */
  checking: readonly string[];
  /** Tool failures, as the tool reports them. */
  toolErrors: readonly string[];
  /** Assistant: after a failed call it did not retry. */
  failureAnswers: readonly string[];
  /** The last user message of a conversation: an open request. */
  openRequests: readonly string[];
}
