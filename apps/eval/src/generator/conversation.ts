/** The four kinds of conversation the generator writes. */
export const DOMAINS = ['support', 'travel', 'coding', 'shopping'] as const;
export type Domain = (typeof DOMAINS)[number];

/** One event of a generated conversation, as a platform would record it through the SDK. */
export type ScriptEvent =
  | { type: 'user'; content: string }
  | { type: 'assistant'; content: string }
  | {
      type: 'tool';
      tool: string;
      arguments: Record<string, unknown>;
      /** What the tool returned (null when it failed). */
      result: unknown;
      /** Set when the call failed; the result is then null. */
      error: string | null;
    };

export const FACT_CATEGORIES = [
  'amount',
  'date',
  'name',
  'email',
  'phone',
  'address',
  'version',
  'count',
] as const;
export type FactCategory = (typeof FACT_CATEGORIES)[number];

/** Something the user says in passing, once; its value string appears in that one message only. */
export interface PlantedFact {
  id: string;
  category: FactCategory;
  value: string;
  /** The user message that states it. */
  eventIndex: number;
}

export const ARTIFACT_CATEGORIES = [
  'order-id',
  'tracking-number',
  'url',
  'file-path',
  'email',
  'ticket-id',
  'sku',
] as const;
export type ArtifactCategory = (typeof ARTIFACT_CATEGORIES)[number];

/**
 * A value that appears only inside one tool result (never in a message nor in tool arguments),
 * and that the conversation later refers to only indirectly ("that order").
 */
export interface PlantedArtifact {
  id: string;
  category: ArtifactCategory;
  value: string;
  /** The tool_call event whose result holds it. */
  eventIndex: number;
  /** Position of the record holding it in the result's list (null: not in a list). */
  recordIndex: number | null;
  /** Records in that list. */
  recordCount: number;
  /** Bytes of the result's JSON. */
  resultBytes: number;
  /** User messages that later refer to it without its value. */
  referencedAt: number[];
}

/** A choice made, then revised: the latest value must win. */
export interface PlantedDecision {
  id: string;
  /** What is decided, in words ("the database", "the hotel"). */
  subject: string;
  oldValue: string;
  newValue: string;
  /** The user message that first decides. */
  decidedAt: number;
  /** The user message that revises it. */
  revisedAt: number;
  /** Every event whose text holds the old value (the decision, its confirmation, the revision if it names it). */
  oldMentions: number[];
  /** Every event whose text holds the new value (the revision and its confirmation). */
  newMentions: number[];
}

export interface Conversation {
  id: string;
  domain: Domain;
  /** The seed this conversation was drawn from (after any redraw, see `attempts`). */
  seed: number;
  /**
   * Draws it took: a draw whose planted values turn up where they should not (a value inside
   * another text by chance) is thrown away and drawn again from the next derived seed.
   */
  attempts: number;
  systemPrompt: string;
  events: ScriptEvent[];
  /** User plus assistant messages (what the SDK calls turns). */
  turns: number;
  facts: PlantedFact[];
  artifacts: PlantedArtifact[];
  decisions: PlantedDecision[];
}
