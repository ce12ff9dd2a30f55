/**
 * The extractive summarizer: the default summary of sealed segments, and the fallback when the
 * LLM fails. Deterministic, offline, pure, and linear in what it reads.
 *
 * It quotes rather than paraphrases, into the five sections of a structured summary
 * (`structured-summary.ts`):
 *
 * - **Goals and open requests**: the conversation's first request and every statement of what
 *   the user is after ("I'm planning…", "help me…"), the user's requests, the latest one marked
 *   `(pending)` until an assistant reply follows it.
 * - **Current decisions**: decisions from either side ("let's use Postgres", "I've booked the
 *   9:39"). A revision ("actually, switch it to MySQL", "make it the 9:40 rather than the
 *   7:15") *replaces* the decision it revises, found by the old value it names, else by the
 *   words that say what it is about, else (a bare "switch to X") the newest decision with a
 *   value of the same kind; the replaced values are kept as `(was: …)`.
 * - **Facts**: statements that carry exact values (amounts, dates, names, e-mails, ids…), the
 *   user's above the assistant's. The same values stated again update the item.
 * - **Artifacts**: ids, URLs, file paths, e-mails and names found anywhere in tool arguments
 *   and results (`artifacts.ts`), boosted when a later turn names them again.
 * - **Tool outcomes**: one line per distinct call, failures with their error, repeats counted.
 *
 * Rolling: the previous summary's items are carried forward by identity (their `key`), aged by
 * one roll, refreshed when mentioned again; nothing is re-squeezed. When everything does not fit
 * in `maxTokens`, `summary-eviction.ts` decides, by one documented rule, never by cutting text.
 *
 * **What one summary reads** (bounded work, whatever a hostile transcript holds): at most
 * {@link TURN_READ_MAX_CHARS} characters of one message (its start and its end), at most
 * {@link SUMMARY_READ_MAX_CHARS} characters of message text in all (the newest turns first;
 * older ones beyond it are skipped and counted), and tool JSON within the bounds of
 * `artifacts.ts`. Every pattern applied is linear in its input.
 */
import { stableJson } from '../tokens/stable-json.ts';
import type { RecordedEventType } from '../session/event-record.ts';
import { artifactsOf, mentionsPhrase } from './artifacts.ts';
import { fingerprint } from './near-duplicate.ts';
import {
  isFiller,
  isQuestion,
  isRevision,
  kindOf,
  normalizeForMatching,
  stripLeadingFiller,
} from './salience.ts';
import { splitIntoSentences } from './sentence-splitter.ts';
import { byEvictionOrder, compactText, fitToCap } from './summary-eviction.ts';
import {
  MAX_ITEM_CHARS,
  MAX_RESERVE_ITEMS,
  renderSummaryText,
  type SummaryItem,
} from './structured-summary.ts';
import {
  findValues,
  mentionsValue,
  normalizeValue,
  tellingValues,
  valueWeight,
  type FoundValue,
} from './values.ts';

/** What the summarizer reads of one event. */
export interface SummarySource {
  seq: number;
  type: RecordedEventType;
  content: string | null;
  tool: string | null;
  arguments: unknown;
  result: unknown;
  error: string | null;
}

export interface ExtractiveSummaryInput {
  /** The events to summarize, oldest first. */
  events: readonly SummarySource[];
  /** The items of the summary before them (rolling), or null when they start the conversation. */
  previous: readonly SummaryItem[] | null;
  /** That summary's reserve: items its cap left out, which a later mention brings back. */
  reserve?: readonly SummaryItem[];
  /** Cap on the rendered summary, in tokens as measured by `countTokens`. */
  maxTokens: number;
  countTokens: (text: string) => number;
}

export interface ExtractiveSummary {
  /** The summary's items, in print order, fitted to the cap. */
  items: SummaryItem[];
  /** Items left out, most important first, at most MAX_RESERVE_ITEMS (never shown). */
  reserve: SummaryItem[];
  /** Their rendering ({@link renderSummaryText}). */
  text: string;
  /** Items left out to fit the cap, and items shortened to their values. */
  evicted: number;
  compacted: number;
  /** Messages read only in part (longer than {@link TURN_READ_MAX_CHARS}), and skipped. */
  turnsCut: number;
  turnsSkipped: number;
}

/** Characters of one message read: its first 3/4 and its last 1/4. */
export const TURN_READ_MAX_CHARS = 6000;

/** Characters of message text one summary reads in all, newest turns first. */
export const SUMMARY_READ_MAX_CHARS = 262_144;

/** Longest item, in words, before it is shortened to the words around its values. */
const ITEM_MAX_WORDS = 45;

/** Weights of the items made here (the scale is explained in summary-eviction.ts). */
export const ITEM_WEIGHT = {
  firstGoal: 10,
  goal: 7,
  request: 3,
  decision: 8,
  /** The assistant's confirmations and conclusions ("the booking has been changed"). */
  assistantDecision: 5,
  userFact: 6,
  assistantFact: 2,
  toolFailure: 4,
  toolSuccess: 1.5,
  /** Added to an artifact once a later turn names it. */
  referenced: 2,
} as const;

/** Value points an item's weight counts, at most (see summary-eviction.ts for the scale). */
const MAX_VALUE_POINTS = 6;

function cappedValueWeight(values: readonly FoundValue[]): number {
  return Math.min(valueWeight(values), MAX_VALUE_POINTS);
}

/** Words that say how something was decided, not what about. */
const DECISION_WORDS = new Set(
  (
    "let let's lets use using used go going goes went with switch switched switching change " +
    'changed changing move moved moving instead actually rather than make made it book booked ' +
    'take took taking choose chose chosen pick picked decided decide decision agreed agree ' +
    "settle settled prefer want need please will we'll i'll i'm we're going to stick keep kept " +
    'opt opted second thought thoughts scratch plan plans update updated replace replaced new ' +
    'sure ok okay yes no not anymore longer one ones option options go-with confirm confirmed ' +
    'done do does did should would could can may might let’s set'
  ).split(' '),
);

const STOP_WORDS = new Set(
  (
    'a an the and or but so to of in on at for from by as is are was were be been it its this ' +
    'that these those i you we they he she me my your our their us do does did just also then ' +
    'there here what which who when where how all any some more most very too can will would ' +
    'user assistant'
  ).split(' '),
);

/**
 * Summarizes events, rolling the previous summary forward; see the module comment. Never
 * throws (unless `countTokens` does), whatever the events contain.
 */
export function extractiveSummary(input: ExtractiveSummaryInput): ExtractiveSummary {
  const builder = new SummaryBuilder(input.previous ?? [], input.reserve ?? []);
  const events = Array.isArray(input.events) ? input.events : [];
  const readable = readableTurns(events);
  const startsConversation = !input.previous || input.previous.length === 0;
  let firstUserSeen = !startsConversation;
  for (const [position, event] of events.entries()) {
    if (!event) continue;
    if (event.type === 'user_message' || event.type === 'assistant_message') {
      const text = readable.get(event.seq);
      if (event.type === 'assistant_message') builder.assistantReplied(event.seq);
      if (text === undefined) continue;
      const first = event.type === 'user_message' && !firstUserSeen;
      if (event.type === 'user_message') firstUserSeen = true;
      builder.message(event.type === 'user_message' ? 'user' : 'assistant', event.seq, text, first);
    } else if (event.type === 'tool_call') {
      builder.toolCall(event, contextOfCall(events, position, readable));
    }
  }
  const fitted = fitToCap(builder.items(), toBudget(input.maxTokens), input.countTokens);
  return {
    items: fitted.items,
    reserve: [...fitted.evicted, ...builder.reserve()]
      .sort((a, b) => byEvictionOrder(b, a))
      .slice(0, MAX_RESERVE_ITEMS),
    text: renderSummaryText(fitted.items),
    evicted: fitted.evicted.length,
    compacted: fitted.compacted,
    turnsCut: readable.cut,
    turnsSkipped: readable.skipped,
  };
}

/**
 * What surrounds a tool call: the user message before it and the assistant message after it
 * (what was asked, and what the reply made of the result), as read.
 */
function contextOfCall(
  events: readonly SummarySource[],
  position: number,
  readable: ReadonlyMap<number, string>,
): string[] {
  const around: string[] = [];
  for (let i = position - 1; i >= 0; i--) {
    const e = events[i];
    if (e?.type === 'user_message') {
      around.push(readable.get(e.seq) ?? '');
      break;
    }
  }
  for (let i = position + 1; i < events.length; i++) {
    const e = events[i];
    if (e?.type === 'user_message') break;
    if (e?.type === 'assistant_message') {
      around.push(readable.get(e.seq) ?? '');
      break;
    }
  }
  return around;
}

/** The text read of each message: bounded per turn and in all, newest first. */
function readableTurns(events: readonly SummarySource[]): Map<number, string> & {
  cut: number;
  skipped: number;
} {
  const out = new Map<number, string>() as Map<number, string> & { cut: number; skipped: number };
  out.cut = 0;
  out.skipped = 0;
  let left = SUMMARY_READ_MAX_CHARS;
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i];
    if (!event || (event.type !== 'user_message' && event.type !== 'assistant_message')) continue;
    const content = typeof event.content === 'string' ? event.content : '';
    let text = content;
    if (text.length > TURN_READ_MAX_CHARS) {
      const head = Math.floor((TURN_READ_MAX_CHARS * 3) / 4);
      text = `${text.slice(0, head)}\n…\n${text.slice(text.length - (TURN_READ_MAX_CHARS - head))}`;
      out.cut++;
    }
    if (left <= 0) {
      out.skipped++;
      continue;
    }
    left -= text.length;
    out.set(event.seq, text);
  }
  return out;
}

/** The items of a summary being made: the previous ones, updated by each event in order. */
class SummaryBuilder {
  readonly #items = new Map<string, SummaryItem>();
  /** Items left out by an earlier cap: brought back into #items when a turn names them. */
  readonly #reserve = new Map<string, SummaryItem>();
  #latestRequestKey: string | null = null;

  constructor(previous: readonly SummaryItem[], reserve: readonly SummaryItem[]) {
    for (const item of reserve) this.#reserve.set(item.key, { ...item, age: item.age + 1 });
    for (const item of previous) {
      this.#reserve.delete(item.key);
      this.#items.set(item.key, { ...item, age: item.age + 1 });
      if (item.pending) this.#latestRequestKey = item.key;
    }
  }

  items(): SummaryItem[] {
    return [...this.#items.values()];
  }

  reserve(): SummaryItem[] {
    return [...this.#reserve.values()];
  }

  /** The item by that key, brought back from the reserve if it is there. */
  #known(key: string): SummaryItem | undefined {
    const active = this.#items.get(key);
    if (active) return active;
    const reserved = this.#reserve.get(key);
    if (!reserved) return undefined;
    this.#reserve.delete(key);
    this.#items.set(key, reserved);
    return reserved;
  }

  /** An assistant message answers the latest request. */
  assistantReplied(_seq: number): void {
    const key = this.#latestRequestKey;
    const item = key ? this.#items.get(key) : undefined;
    if (item?.pending) this.#items.set(item.key, withoutPending(item));
  }

  message(
    role: 'user' | 'assistant',
    seq: number,
    text: string,
    firstOfConversation: boolean,
  ): void {
    if (role === 'user') this.#reinforceReferences(text);
    const requestParts: string[] = [];
    const requestValues: FoundValue[] = [];
    let goalKey: string | null = null;
    for (const sentence of withShortQuestionsInContext(splitIntoSentences(text))) {
      const body = stripLeadingFiller(sentence);
      if (isFiller(body)) continue;
      const values = tellingValues(body);
      this.#reinforceMentions(values, seq);
      const kind = kindOf(body, role, values.length > 0);
      if (kind === null) continue;
      if (kind === 'goal' || (kind === 'request' && firstOfConversation && goalKey === null)) {
        const key = this.#goal(body, values, seq, firstOfConversation && goalKey === null);
        goalKey ??= key;
        if (kind === 'request') {
          requestParts.push(body);
          requestValues.push(...values);
        }
      } else if (kind === 'request') {
        requestParts.push(body);
        requestValues.push(...values);
        // "Send the confirmations to ana@example.com, please": a request that states a value
        // is also a fact, kept as one after the request is answered.
        if (role === 'user' && !isQuestion(body) && values.some((v) => v.kind !== 'number'))
          this.#fact(role, body, values, seq);
      } else if (kind === 'decision') {
        this.#decision(role, body, values, seq);
      } else {
        this.#fact(role, body, values, seq);
      }
    }
    if (role !== 'user') return;
    // The message's request is the latest one: a goal made of that very sentence carries the mark.
    if (
      requestParts.length === 1 &&
      goalKey !== null &&
      this.#items.get(goalKey)?.text === clipWords(requestParts[0]!, ITEM_MAX_WORDS)
    )
      this.#markLatestRequest(goalKey);
    else if (requestParts.length > 0)
      this.#request(requestParts.slice(-2).join(' '), requestValues, seq);
  }

  toolCall(event: SummarySource, around: readonly string[]): void {
    const tool = oneLine(typeof event.tool === 'string' ? event.tool : '') || 'tool';
    const error = typeof event.error === 'string' ? oneLine(event.error) : '';
    const args = clipChars(oneLine(safeJson(event.arguments ?? {})), 80);
    const key = `tool:${tool}:${fingerprintKey(args)}`;
    const outcome = error ? `error: ${clipWords(error, 20)}` : 'ok';
    const existing = this.#items.get(key);
    const times = existing ? existing.mentions + 2 : 1;
    const text = `${tool}(${args}) → ${outcome}${times > 1 ? ` (×${times})` : ''}`;
    this.#items.set(key, {
      key,
      section: 'tools',
      text,
      seq: event.seq,
      weight: Math.max(
        existing?.weight ?? 0,
        error ? ITEM_WEIGHT.toolFailure : ITEM_WEIGHT.toolSuccess,
      ),
      mentions: existing ? existing.mentions + 1 : 0,
      age: 0,
    });
    // The values the call was asked about refresh what they name (an order looked up again).
    this.#reinforceMentions(findValues(args), event.seq);
    for (const artifact of artifactsOf(event.arguments, event.result, around)) {
      const artifactKey = `art:${normalizeValue(artifact.value)}`;
      const known = this.#known(artifactKey);
      if (known) {
        this.#items.set(artifactKey, {
          ...known,
          seq: event.seq,
          mentions: known.mentions + 1,
          age: 0,
        });
        continue;
      }
      this.#items.set(artifactKey, {
        key: artifactKey,
        section: 'artifacts',
        text: `${artifact.label ? `${artifact.label} ` : ''}${artifact.value}${artifact.about.length > 0 ? ` (${tool}: ${artifact.about[0]})` : ` (${tool})`}`,
        seq: event.seq,
        weight: artifact.weight,
        mentions: 0,
        age: 0,
        values: [artifact.value],
        topic: labelWords(artifact.label),
        ...(artifact.about.length > 0 ? { about: artifact.about } : {}),
      });
    }
  }

  #goal(body: string, values: FoundValue[], seq: number, first: boolean): string {
    const key = `goal:${fingerprintKey(body)}`;
    const existing = this.#items.get(key);
    this.#items.set(key, {
      key,
      section: 'goals',
      text: clipWords(body, ITEM_MAX_WORDS),
      seq,
      durable: true,
      weight: Math.max(existing?.weight ?? 0, first ? ITEM_WEIGHT.firstGoal : ITEM_WEIGHT.goal),
      mentions: existing ? existing.mentions + 1 : 0,
      age: 0,
      values: values.map((v) => v.text),
    });
    return key;
  }

  #request(text: string, values: FoundValue[], seq: number): void {
    const key = `req:${fingerprintKey(text)}`;
    const existing = this.#items.get(key);
    this.#items.set(key, {
      key,
      section: 'goals',
      text: clipWords(text, ITEM_MAX_WORDS),
      seq,
      weight: Math.max(existing?.weight ?? 0, ITEM_WEIGHT.request + cappedValueWeight(values) / 4),
      mentions: existing ? existing.mentions + 1 : 0,
      age: 0,
      values: values.map((v) => v.text),
    });
    this.#markLatestRequest(key);
  }

  /** `key` is the latest request: pending until an assistant reply; the one before no longer. */
  #markLatestRequest(key: string): void {
    const previous = this.#latestRequestKey ? this.#items.get(this.#latestRequestKey) : undefined;
    if (previous?.pending && previous.key !== key)
      this.#items.set(previous.key, withoutPending(previous));
    const item = this.#items.get(key);
    if (item) this.#items.set(key, { ...item, pending: true });
    this.#latestRequestKey = key;
  }

  #decision(role: 'user' | 'assistant', body: string, values: FoundValue[], seq: number): void {
    const revision = isRevision(body);
    const topic = topicWords(body, values);
    const target = this.#revisedBy(body, values, topic, revision);
    const said = `${role === 'user' ? 'User' : 'Assistant'}: ${clipWords(body, ITEM_MAX_WORDS)}`;
    const weight =
      (role === 'user' ? ITEM_WEIGHT.decision : ITEM_WEIGHT.assistantDecision) +
      cappedValueWeight(values) / 2;
    const valueTexts = values.map((v) => v.text);
    if (!target) {
      let key = `dec:${topic.join(' ') || fingerprintKey(body)}`;
      if (this.#items.has(key)) key = `${key}@${seq}`;
      this.#items.set(key, {
        key,
        section: 'decisions',
        text: said,
        seq,
        weight,
        ...(role === 'user' ? { durable: true } : {}),
        mentions: 0,
        age: 0,
        values: valueTexts,
        topic,
      });
      return;
    }
    const replaced = revision ? replacedValue(target, body, values, topic) : null;
    this.#items.set(target.key, {
      key: target.key,
      section: 'decisions',
      text: replaced ? `${said} (was: ${replaced})` : said,
      seq,
      ...(role === 'user' || target.durable ? { durable: true } : {}),
      weight: Math.max(target.weight, weight),
      mentions: target.mentions + 1,
      age: 0,
      values: valueTexts.length > 0 ? valueTexts : (target.values ?? []),
      topic: topic.length > 0 ? topic : (target.topic ?? []),
    });
  }

  /**
   * The decision (or, for a revision, the fact) this sentence revises or restates: the newest
   * one that shares a value with it; else the one about the same thing (topic words); else, for
   * a bare revision ("switch to MySQL"), the newest decision with a value of the same kind.
   */
  #revisedBy(
    body: string,
    values: FoundValue[],
    topic: string[],
    revision: boolean,
  ): SummaryItem | null {
    const candidates = [...this.#items.values()]
      .filter((item) => item.section === 'decisions' || (revision && item.section === 'facts'))
      .sort((a, b) => b.seq - a.seq);
    const byValue = candidates.find(
      (item) =>
        (item.section === 'decisions' || revision) &&
        (item.values ?? []).some((old) => mentionsValue(body, old)),
    );
    if (byValue) return byValue;
    const topicSet = new Set(topic);
    let best: SummaryItem | null = null;
    let bestScore = 0;
    for (const item of candidates) {
      if (item.section !== 'decisions') continue;
      const theirs = item.topic ?? [];
      const shared = theirs.filter((word) => topicSet.has(word)).length;
      if (shared === 0) continue;
      const score = shared / new Set([...theirs, ...topic]).size;
      if ((revision || score >= 0.5) && score > bestScore) {
        best = item;
        bestScore = score;
      }
    }
    if (best) return best;
    if (revision && topic.length === 0 && values.length > 0) {
      const kinds = new Set(values.map((v) => v.kind));
      return (
        candidates.find(
          (item) =>
            item.section === 'decisions' &&
            findValues((item.values ?? []).join(' , ')).some((v) => kinds.has(v.kind)),
        ) ?? null
      );
    }
    return null;
  }

  #fact(role: 'user' | 'assistant', body: string, values: FoundValue[], seq: number): void {
    const identity = values
      .map((v) => normalizeValue(v.text))
      .sort()
      .join('|');
    const key = `fact:${identity || fingerprintKey(body)}`;
    const existing = this.#known(key);
    const weight =
      role === 'user'
        ? ITEM_WEIGHT.userFact + cappedValueWeight(values) / 2
        : ITEM_WEIGHT.assistantFact + cappedValueWeight(values) / 2;
    // The same values stated again: the statement that weighs more keeps its words (the user's
    // over the assistant's restatement), the item takes the newer source.
    const text =
      existing && existing.weight > weight
        ? existing.text
        : `${role === 'user' ? 'User' : 'Assistant'}: ${clipWords(body, ITEM_MAX_WORDS)}`;
    this.#items.set(key, {
      key,
      section: 'facts',
      text,
      seq,
      ...(role === 'user' || existing?.durable ? { durable: true } : {}),
      weight: Math.max(existing?.weight ?? 0, weight),
      mentions: existing ? existing.mentions + 1 : 0,
      age: 0,
      values: values.map((v) => v.text),
    });
  }

  /**
   * A user message that refers to an artifact by its record ("the voucher for the fado
   * evening") makes it matter more. Its source stays the tool result: the message does not show
   * the value, so the summary must keep showing it.
   */
  #reinforceReferences(text: string): void {
    const talk = text.toLowerCase();
    for (const candidate of [...this.#items.values(), ...this.#reserve.values()]) {
      if (
        candidate.section !== 'artifacts' ||
        !candidate.about?.some((p) => mentionsPhrase(talk, p)) ||
        !(candidate.topic ?? []).some((w) => talk.includes(w))
      )
        continue;
      const item = this.#known(candidate.key)!;
      const firstReference = item.mentions === 0;
      this.#items.set(item.key, {
        ...item,
        mentions: item.mentions + 1,
        age: 0,
        weight: item.weight + (firstReference ? ITEM_WEIGHT.referenced : 0),
      });
    }
  }

  /** A turn that names an artifact again makes it matter more, and refreshes its source. */
  #reinforceMentions(values: readonly FoundValue[], seq: number): void {
    for (const value of values) {
      const key = `art:${normalizeValue(value.text)}`;
      const artifact = this.#known(key);
      if (!artifact || artifact.seq === seq) continue;
      const firstReference = artifact.mentions === 0;
      this.#items.set(key, {
        ...artifact,
        seq,
        mentions: artifact.mentions + 1,
        age: 0,
        weight: artifact.weight + (firstReference ? ITEM_WEIGHT.referenced : 0),
      });
    }
  }
}

/**
 * The value a revision replaced: among the old decision's values that the revision does not
 * repeat, those of the kind of the new value, the one nearest to what both are about ("the
 * Memmo Alfama *hotel* for the Lisbon nights" → Memmo Alfama, not Lisbon).
 */
function replacedValue(
  old: SummaryItem,
  body: string,
  values: readonly FoundValue[],
  topic: readonly string[],
): string | null {
  let candidates = (old.values ?? []).filter((value) => !mentionsValue(body, value));
  if (candidates.length === 0) return null;
  const kinds = new Set(values.map((v) => v.kind));
  const sameKind = candidates.filter((c) => kinds.has(findValues(c)[0]?.kind ?? 'quoted'));
  if (sameKind.length > 0) candidates = sameKind;
  const about = (old.topic ?? []).filter((word) => topic.length === 0 || topic.includes(word));
  if (about.length === 0) return candidates[0]!;
  const words = normalizeForMatching(old.text).split(/[^\p{L}\p{N}:.$€£-]+/u);
  const positions = (needle: (word: string) => boolean) =>
    words.flatMap((word, i) => (needle(word) ? [i] : []));
  const topicAt = positions((word) => about.some((t) => word.startsWith(t)));
  let best = candidates[0]!;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const first = normalizeForMatching(candidate).split(/\s+/)[0] ?? '';
    for (const at of positions((word) => word === first || word.startsWith(first)))
      for (const t of topicAt) {
        if (Math.abs(at - t) < bestDistance) {
          bestDistance = Math.abs(at - t);
          best = candidate;
        }
      }
  }
  return best;
}

/**
 * The words of an artifact's label (`bookingUrl` → booking, url; `tracking_number` → tracking),
 * kept as its `topic`: a reference by its record must also say which of the record's artifacts
 * it wants ("the *voucher* for the fado evening").
 */
function labelWords(label: string): string[] {
  return label
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter((w) => w.length >= 3 && w !== 'number');
}

/** A question of at most this many words is joined to the sentence before it. */
const SHORT_QUESTION_MAX_WORDS = 5;

/**
 * A short question ("Why does this happen?", "What now?") says little on its own: it is joined
 * to the sentence before it in the same message, which says what it is about.
 */
function withShortQuestionsInContext(sentences: readonly string[]): string[] {
  const joined: string[] = [];
  for (const sentence of sentences) {
    const previous = joined[joined.length - 1];
    const words = sentence.split(/\s+/).length;
    if (
      previous !== undefined &&
      words <= SHORT_QUESTION_MAX_WORDS &&
      /\?[^\p{L}\p{N}]*$/u.test(sentence)
    )
      joined[joined.length - 1] = `${previous} ${sentence}`;
    else joined.push(sentence);
  }
  return joined;
}

/** What a decision is about: its content words, without how-it-was-decided words and values. */
export function topicWords(body: string, values: readonly FoundValue[]): string[] {
  const valueWords = new Set(
    values.flatMap((v) => normalizeForMatching(v.text).split(/[^\p{L}\p{N}]+/u)),
  );
  const words = new Set<string>();
  for (const raw of normalizeForMatching(body).split(/[^\p{L}\p{N}'-]+/u)) {
    const word = raw.replace(/^['-]+|['-]+$/g, '');
    if (word.length < 3 || /\d/.test(word)) continue;
    if (STOP_WORDS.has(word) || DECISION_WORDS.has(word) || valueWords.has(word)) continue;
    words.add(word.endsWith('s') && word.length > 4 ? word.slice(0, -1) : word);
  }
  return [...words].sort();
}

/** The request answered: no mark; a plain request (not a goal) then weighs as an answered one. */
function withoutPending(item: SummaryItem): SummaryItem {
  const { pending: _pending, ...rest } = item;
  return item.key.startsWith('req:')
    ? { ...rest, weight: Math.min(rest.weight, ITEM_WEIGHT.request + 2) }
    : rest;
}

function fingerprintKey(text: string): string {
  const words = [...fingerprint(text).words].sort().slice(0, 10).join(' ');
  return words || text.toLowerCase().slice(0, 40);
}

/** At most `maxWords` words: longer text is reduced to the words around its values, or cut. */
function clipWords(text: string, maxWords: number): string {
  const words = text.split(/\s+/).filter((w) => w !== '');
  if (words.length <= maxWords && text.length <= MAX_ITEM_CHARS) return text;
  const compact = compactText(text);
  if (compact && compact.split(/\s+/).length <= maxWords * 1.5 && compact.length <= MAX_ITEM_CHARS)
    return compact;
  return `${clipChars(words.slice(0, maxWords).join(' '), MAX_ITEM_CHARS - 1)}…`;
}

function clipChars(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function safeJson(value: unknown): string {
  try {
    return stableJson(value);
  } catch {
    return '';
  }
}

function toBudget(maxTokens: number): number {
  if (maxTokens === Number.POSITIVE_INFINITY) return Number.MAX_SAFE_INTEGER;
  return Number.isFinite(maxTokens) ? Math.max(0, Math.floor(maxTokens)) : 0;
}
