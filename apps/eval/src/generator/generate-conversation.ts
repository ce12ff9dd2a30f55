import { checkPlacement } from './check-placement.ts';
import type {
  ArtifactCategory,
  Conversation,
  Domain,
  FactCategory,
  PlantedArtifact,
  PlantedDecision,
  PlantedFact,
  ScriptEvent,
} from './conversation.ts';
import type { DecisionKind, DomainKit, Gen, Lookup, Topic } from './domain-kit.ts';
import { codingKit } from './domains/coding.ts';
import { shoppingKit } from './domains/shopping.ts';
import { supportKit } from './domains/support.ts';
import { travelKit } from './domains/travel.ts';
import {
  ASSISTANT_CLOSERS,
  ASSISTANT_OPENERS,
  ASSISTANT_REPEAT_OPENERS,
  ASSISTANT_SMALL_TALK,
  fill,
  FOLLOW_UP_AFTER_DECISION,
  IN_PASSING,
  USER_BACKSTORY,
  USER_OPENERS,
  USER_REPEAT,
  sentenceOf,
  USER_SMALL_TALK,
  wordCount,
} from './prose.ts';
import { deriveSeed, Rng } from './rng.ts';
import { ValueRegistry } from './value-registry.ts';
import {
  artifactValue,
  decidedTime,
  decoyVersion,
  factValue,
  FIRST_NAMES,
  isoDate,
  LAST_NAMES,
  listedTime,
  opaqueId,
} from './values.ts';

export const DOMAIN_KITS: Readonly<Record<Domain, DomainKit>> = {
  support: supportKit,
  travel: travelKit,
  coding: codingKit,
  shopping: shoppingKit,
};

/** Message lengths, in words (the one exception: the assistant's short "let me check" before a tool call). */
export const LENGTHS = {
  user: { min: 5, max: 80 },
  assistant: { min: 30, max: 250 },
  checking: { min: 3, max: 30 },
  /** Bytes of a tool result's JSON. */
  toolResult: { min: 100, max: 8000 },
} as const;

export interface GenerateOptions {
  domain: Domain;
  seed: number;
  /** @defaultValue `${domain}-${seed}` */
  id?: string;
  /** Turns (user plus assistant messages). @defaultValue 60 */
  minTurns?: number;
  /** @defaultValue 300 */
  maxTurns?: number;
}

const MAX_ATTEMPTS = 25;

/**
 * A realistic conversation of one domain, from a seed: several topics, small talk, repeated
 * questions, agent-style tool calls with realistic JSON results (some failing), and planted
 * probes (facts said in passing, artifacts only in tool results, decisions revised later),
 * each with a value string unique in the conversation. It ends with an open user request.
 *
 * A draw whose values turn up anywhere else than planted (checked by `checkPlacement`) is
 * thrown away and drawn again from a derived seed; `attempts` says how many draws it took.
 */
export function generateConversation(options: GenerateOptions): Conversation {
  const minTurns = options.minTurns ?? 60;
  const maxTurns = options.maxTurns ?? 300;
  if (!(minTurns >= 8 && maxTurns >= minTurns + 16))
    throw new Error(
      `generateConversation: expected 8 <= minTurns and maxTurns >= minTurns + 16, got ${minTurns}..${maxTurns}`,
    );
  let problems: string[] = [];
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const seed = attempt === 0 ? options.seed >>> 0 : deriveSeed(options.seed, 10_000 + attempt);
    const draft = draftConversation(options.domain, seed, minTurns, maxTurns);
    problems = checkPlacement(draft);
    if (problems.length === 0) {
      return {
        id: options.id ?? `${options.domain}-${options.seed}`,
        domain: options.domain,
        seed,
        attempts: attempt + 1,
        systemPrompt: DOMAIN_KITS[options.domain].systemPrompt,
        turns: draft.events.filter((e) => e.type !== 'tool').length,
        ...draft,
      };
    }
  }
  throw new Error(
    `generateConversation(${options.domain}, seed ${options.seed}): no sound draw in ${MAX_ATTEMPTS} attempts; last problems: ${problems.slice(0, 5).join('; ')}`,
  );
}

/**
 * One draw, unchecked: where its values appear has not been verified yet (see
 * `generateConversation`, which throws away a draw that fails `checkPlacement`).
 */
export function draftConversation(
  domain: Domain,
  seed: number,
  minTurns: number,
  maxTurns: number,
): Pick<Conversation, 'events' | 'facts' | 'artifacts' | 'decisions'> {
  return new ConversationWriter(DOMAIN_KITS[domain], seed, minTurns, maxTurns).write();
}

type Planned =
  | { kind: 'fact'; turn: number; category: FactCategory }
  | { kind: 'decide'; turn: number; slot: number }
  | { kind: 'revise'; turn: number; slot: number }
  | { kind: 'plant'; turn: number; slot: number }
  | { kind: 'reference'; turn: number; slot: number };

interface PendingDecision {
  kind: DecisionKind;
  oldValue: string;
  decidedAt: number;
  oldMentions: number[];
}

interface PendingArtifact {
  artifact: PlantedArtifact;
  lookup: Lookup;
  item: string;
  references: readonly string[];
}

interface Asked {
  question: string;
  answers: string[];
}

/** GENERIC sentences an assistant adds around a tool result or a decision. */
const ASSISTANT_GENERIC = [
  'I can check again later if you want an update on it.',
  'Let me know if you want me to compare it with the other options.',
  'I have noted it so we do not lose track of it later in the conversation.',
  'If anything changes on your side, tell me and I will adjust the plan.',
  'Nothing else looks unusual in what came back.',
  'That should keep things simple for the next steps.',
  'I would double-check the details once more before the final confirmation.',
  'Everything else we discussed stays as it was.',
  'It is a sensible choice given everything you told me so far.',
  'We can revisit it any time if it stops making sense.',
];

class ConversationWriter {
  private readonly rng: Rng;
  private readonly registry = new ValueRegistry();
  private readonly gen: Gen;
  private readonly events: ScriptEvent[] = [];
  private turns = 0;
  private readonly facts: PlantedFact[] = [];
  private readonly artifacts: PlantedArtifact[] = [];
  private readonly decisions: PlantedDecision[] = [];
  private readonly decisionSlots: Array<{ kind: DecisionKind; pending: PendingDecision | null }>;
  private readonly artifactSlots: Array<PendingArtifact | null> = [];
  private readonly asked: Asked[] = [];
  /** Sentences of each topic the assistant has said already (it prefers new ones). */
  private readonly said = new Map<Topic, Set<string>>();
  private readonly topics: Topic[];
  private topicIndex = 0;
  private exchangesOnTopic = 0;
  private topicLength: number;
  private readonly target: number;

  constructor(
    private readonly kit: DomainKit,
    seed: number,
    minTurns: number,
    maxTurns: number,
  ) {
    this.rng = new Rng(seed);
    const rng = this.rng;
    const registry = this.registry;
    const domain = kit.domain;
    this.gen = {
      rng,
      registry,
      domain,
      artifact: (category) => artifactValue(rng, registry, category, domain),
      id: (prefix, length) => opaqueId(rng, registry, prefix, length),
      time: () => listedTime(rng),
      decidedTime: () => decidedTime(rng, registry),
      version: () => decoyVersion(rng, registry),
      date: () => isoDate(rng),
      person: () =>
        registry.claim(() => `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`, 'person'),
    };
    this.target = rng.int(minTurns, maxTurns - 14);
    this.topics = rng.shuffle(kit.topics);
    this.topicLength = rng.int(3, 8);
    this.decisionSlots = rng
      .sample(
        kit.decisions,
        Math.max(1, Math.min(kit.decisions.length, Math.round(this.target / 45))),
      )
      .map((kind) => ({ kind, pending: null }));
  }

  write(): Pick<Conversation, 'events' | 'facts' | 'artifacts' | 'decisions'> {
    const plan = this.plan();
    while (this.turns < this.target - 1 || plan.length > 0) {
      const next = plan[0];
      if (next && next.turn <= this.turns) {
        plan.shift();
        this.planted(next, plan);
      } else if (this.turns < this.target - 1) {
        this.filler();
      } else if (next) {
        plan.shift();
        this.planted(next, plan);
      }
    }
    this.user(this.rng.pick(this.kit.openRequests));
    return {
      events: this.events,
      facts: this.facts,
      artifacts: this.artifacts,
      decisions: this.decisions,
    };
  }

  /** When each planted item is due, in turns; sorted. */
  private plan(): Planned[] {
    const { rng, target } = this;
    const last = Math.floor(target * 0.9);
    const plan: Planned[] = [];
    const categories = Object.keys(this.kit.facts) as FactCategory[];
    const factCount = Math.min(24, Math.max(3, Math.round(target / 12)));
    let order: FactCategory[] = [];
    for (let i = 0; i < factCount; i++) {
      if (order.length === 0) order = rng.shuffle(categories);
      plan.push({ kind: 'fact', turn: rng.int(2, last), category: order.pop()! });
    }
    this.decisionSlots.forEach((_, slot) => {
      const decide = rng.int(4, Math.floor(target * 0.7));
      const gap = rng.int(4, Math.max(8, Math.floor(target * 0.35)));
      plan.push({ kind: 'decide', turn: decide, slot });
      plan.push({ kind: 'revise', turn: Math.min(decide + gap, last), slot });
    });
    const artifactCount = Math.min(12, Math.max(2, Math.round(target / 25)));
    for (let slot = 0; slot < artifactCount; slot++) {
      this.artifactSlots.push(null);
      const at = rng.int(2, Math.floor(target * 0.8));
      plan.push({ kind: 'plant', turn: at, slot });
      for (let r = rng.int(1, 2); r > 0; r--)
        plan.push({
          kind: 'reference',
          turn: Math.min(at + rng.int(6, Math.max(10, Math.floor(target * 0.5))), last + 2),
          slot,
        });
    }
    // Stable order: by turn, and a revision or reference never before what it depends on.
    const rank = { fact: 0, decide: 0, plant: 0, revise: 1, reference: 1 } as const;
    return plan.sort((a, b) => a.turn - b.turn || rank[a.kind] - rank[b.kind]);
  }

  private planted(item: Planned, plan: Planned[]): void {
    switch (item.kind) {
      case 'fact':
        return this.factExchange(item.category);
      case 'decide':
        return this.decideExchange(item.slot);
      case 'revise': {
        if (!this.decisionSlots[item.slot]!.pending) {
          // Not decided yet (its decision was delayed): try again a little later.
          plan.push({ ...item, turn: this.turns + 2 });
          plan.sort((a, b) => a.turn - b.turn);
          return;
        }
        return this.reviseExchange(item.slot);
      }
      case 'plant':
        return this.plantExchange(item.slot);
      case 'reference': {
        if (!this.artifactSlots[item.slot]) {
          plan.push({ ...item, turn: this.turns + 2 });
          plan.sort((a, b) => a.turn - b.turn);
          return;
        }
        return this.referenceExchange(item.slot);
      }
    }
  }

  // ---- events -------------------------------------------------------------------------------

  private user(content: string): number {
    this.events.push({ type: 'user', content });
    this.turns++;
    return this.events.length - 1;
  }

  private assistant(content: string): number {
    this.events.push({ type: 'assistant', content });
    this.turns++;
    return this.events.length - 1;
  }

  private tool(
    tool: string,
    args: Record<string, unknown>,
    result: unknown,
    error: string | null,
  ): number {
    this.events.push({ type: 'tool', tool, arguments: args, result: error ? null : result, error });
    return this.events.length - 1;
  }

  // ---- topics and prose ---------------------------------------------------------------------

  private topic(): Topic {
    return this.topics[this.topicIndex % this.topics.length]!;
  }

  /** Moves on to the next topic every few exchanges; says whether it just did. */
  private advanceTopic(): boolean {
    this.exchangesOnTopic++;
    const topic = this.topic();
    const worn = (this.said.get(topic)?.size ?? 0) >= topic.answers.length * 0.8;
    if (this.exchangesOnTopic < this.topicLength && !worn) return false;
    this.exchangesOnTopic = 0;
    this.topicLength = this.rng.int(3, 8);
    this.topicIndex++;
    return true;
  }

  private question(topic: Topic): string {
    return fill(this.rng, this.rng.pick(topic.questions), {}, topic.slots ?? {});
  }

  /** A user message around `core`: an opener, some backstory, within the word limits. */
  private userMessage(core: string, switched = false): string {
    const { rng } = this;
    const parts: string[] = [];
    if (switched)
      parts.push(rng.pick(['Different question.', 'Changing topic.', 'Okay, something else.']));
    else if (rng.chance(0.3)) parts.push(rng.pick(USER_OPENERS));
    if (rng.chance(0.2)) parts.push(rng.pick(USER_BACKSTORY));
    // "So, how do I…": after an opener that ends with a comma the sentence goes on in lower case.
    parts.push(parts.at(-1)?.endsWith(',') ? lowerFirst(core) : core);
    if (rng.chance(0.15)) parts.push(rng.pick(USER_BACKSTORY));
    let text = parts.join(' ');
    while (wordCount(text) > LENGTHS.user.max && parts.length > 1) {
      parts.splice(parts.indexOf(core) === 0 ? 1 : 0, 1);
      text = parts.join(' ');
    }
    if (wordCount(text) < LENGTHS.user.min) text = `${text} ${rng.pick(FOLLOW_UP_AFTER_DECISION)}`;
    return text;
  }

  /**
   * An assistant message: `lead` sentences first, then sentences of the topic (those not said
   * yet first) until a drawn length (30 to 250 words; `short`: 30 to 90, with at most two generic
   * sentences first), sometimes a markdown list or a code block, in paragraphs.
   */
  private assistantMessage(
    lead: string[],
    topic: Topic | null,
    options: { short?: boolean; pool?: readonly string[] } = {},
  ): string {
    const { rng } = this;
    const r = rng.float();
    const target = options.short
      ? rng.int(30, 90)
      : r < 0.45
        ? rng.int(40, 120)
        : r < 0.85
          ? rng.int(120, 200)
          : rng.int(200, 250);
    const blocks: string[] = [];
    let words = 0;
    const add = (text: string): boolean => {
      const w = wordCount(text);
      if (words + w > LENGTHS.assistant.max) return false;
      blocks.push(text);
      words += w;
      return true;
    };
    if (rng.chance(0.35)) add(rng.pick(ASSISTANT_OPENERS));
    for (const sentence of lead) add(sentence);
    if (options.short)
      for (const sentence of rng.sample(ASSISTANT_GENERIC, rng.int(0, 2))) add(sentence);
    const pool = options.pool ?? topic?.answers ?? [];
    const said = topic ? (this.said.get(topic) ?? new Set<string>()) : new Set<string>();
    if (topic) this.said.set(topic, said);
    const sentences = [
      ...rng.shuffle(pool.filter((s) => !said.has(s))),
      ...rng.shuffle(pool.filter((s) => said.has(s))),
    ];
    const list = !options.short && topic?.list && rng.chance(0.25) ? topic.list : null;
    const code = !options.short && topic?.code && rng.chance(0.5) ? rng.pick(topic.code) : null;
    const insertAt = rng.int(1, 3);
    let inserted = false;
    for (const sentence of sentences) {
      if (words >= target) break;
      if (add(fill(rng, sentence, {}, topic?.slots ?? {}))) said.add(sentence);
      if (!inserted && blocks.length >= insertAt) {
        inserted = true;
        if (list) {
          const items = rng.sample(list, rng.int(3, Math.min(5, list.length)));
          const ordered = rng.chance(0.4);
          add(
            `${rng.pick(['Here is what I would do:', 'In short:', 'The steps:'])}\n${items.map((item, i) => (ordered ? `${i + 1}. ` : '- ') + item).join('\n')}`,
          );
        }
        if (code)
          add(`${rng.pick(['For example:', 'Something like this:', 'Roughly:'])}\n\n${code}`);
      }
    }
    for (const sentence of rng.shuffle(ASSISTANT_GENERIC)) {
      if (words >= LENGTHS.assistant.min) break;
      add(sentence);
    }
    if (rng.chance(0.4)) add(rng.pick(ASSISTANT_CLOSERS));
    return paragraphs(rng, blocks);
  }

  // ---- exchanges ----------------------------------------------------------------------------

  private filler(): void {
    const kind = this.rng.weighted({
      qa: 45,
      lookup: 28,
      smallTalk: this.turns > 2 ? 12 : 0,
      repeat: this.asked.length > 3 ? 8 : 0,
    });
    if (kind === 'qa') return this.qaExchange();
    if (kind === 'lookup') {
      this.lookupExchange(null);
      return;
    }
    if (kind === 'smallTalk') return this.smallTalkExchange();
    return this.repeatExchange();
  }

  private qaExchange(): void {
    const switched = this.advanceTopic();
    const topic = this.topic();
    const question = this.question(topic);
    this.user(this.userMessage(question, switched));
    const reply = this.assistantMessage([], topic);
    this.assistant(reply);
    this.asked.push({ question, answers: sentencesOf(reply) });
  }

  private factExchange(category: FactCategory): void {
    const { rng, kit } = this;
    const template = rng.pick(kit.facts[category]!);
    // A count names what it counts in its template: `{v:people}` → "14 people".
    const unit = /\{v:([^}]+)\}/.exec(template)?.[1];
    const value = factValue(rng, this.registry, category, kit.domain, unit);
    const sentence = template.replace(/\{v(:[^}]+)?\}/, () => value);
    const topic = this.topic();
    const question = this.question(topic);
    const wrapper = rng.pick(IN_PASSING);
    const inPassing = wrapper.startsWith('{fact}')
      ? sentence
      : fill(rng, wrapper, { fact: lowerFirst(sentence) });
    const core = rng.chance(0.6) ? `${inPassing} ${question}` : `${question} ${inPassing}`;
    const index = this.user(this.userMessage(core));
    this.facts.push({ id: `f${this.facts.length + 1}`, category, value, eventIndex: index });
    this.assistant(this.assistantMessage([], topic));
    this.advanceTopic();
  }

  private decideExchange(slot: number): void {
    const { rng } = this;
    const entry = this.decisionSlots[slot]!;
    const value = entry.kind.value(this.gen);
    const decision = sentenceOf(rng, rng.pick(entry.kind.decide), { v: value });
    const at = this.user(this.userMessage(`${decision} ${rng.pick(FOLLOW_UP_AFTER_DECISION)}`));
    const mentions = [at];
    const confirm = rng.chance(0.6);
    const lead = confirm ? [sentenceOf(rng, rng.pick(entry.kind.confirm), { v: value })] : [];
    const reply = this.assistant(this.assistantMessage(lead, this.topic(), { short: true }));
    if (confirm) mentions.push(reply);
    entry.pending = { kind: entry.kind, oldValue: value, decidedAt: at, oldMentions: mentions };
  }

  private reviseExchange(slot: number): void {
    const { rng } = this;
    const entry = this.decisionSlots[slot]!;
    const pending = entry.pending!;
    const newValue = entry.kind.value(this.gen);
    const template = rng.pick(entry.kind.revise);
    const revision = sentenceOf(rng, template, { new: newValue, old: pending.oldValue });
    const at = this.user(this.userMessage(revision));
    const newMentions = [at];
    const oldMentions = [...pending.oldMentions];
    if (template.includes('{old}')) oldMentions.push(at);
    const confirm = rng.chance(0.7);
    const lead = confirm
      ? [sentenceOf(rng, rng.pick(entry.kind.confirmRevision), { new: newValue })]
      : [];
    const reply = this.assistant(this.assistantMessage(lead, this.topic(), { short: true }));
    if (confirm) newMentions.push(reply);
    this.decisions.push({
      id: `d${this.decisions.length + 1}`,
      subject: entry.kind.subject,
      oldValue: pending.oldValue,
      newValue,
      decidedAt: pending.decidedAt,
      revisedAt: at,
      oldMentions,
      newMentions,
    });
    entry.pending = null;
  }

  private plantExchange(slot: number): void {
    const { rng, kit } = this;
    const withArtifacts = kit.lookups.filter((l) => l.artifacts.length > 0);
    // Prefer a category not planted yet, so that every kind of artifact shows up.
    const planted = new Set(this.artifacts.map((a) => a.category));
    const options = withArtifacts.flatMap((lookup) =>
      lookup.artifacts.map((a) => ({ lookup, slot: a })),
    );
    const fresh = options.filter((o) => !planted.has(o.slot.category));
    const choice = rng.pick(fresh.length > 0 ? fresh : options);
    const used = new Set(
      this.artifactSlots.filter((s) => s && s.lookup === choice.lookup).map((s) => s!.item),
    );
    const items = choice.lookup.items.filter((i) => !used.has(i));
    const item = rng.pick(items.length > 0 ? items : choice.lookup.items);
    const planting = { category: choice.slot.category, path: choice.slot.path };
    const outcome = this.lookupExchange({ lookup: choice.lookup, item, planting });
    if (!outcome) return;
    const artifact: PlantedArtifact = {
      id: `a${this.artifacts.length + 1}`,
      category: planting.category,
      value: outcome.value,
      eventIndex: outcome.eventIndex,
      recordIndex: outcome.recordIndex,
      recordCount: outcome.recordCount,
      resultBytes: outcome.resultBytes,
      referencedAt: [],
    };
    this.artifacts.push(artifact);
    this.artifactSlots[slot] = {
      artifact,
      lookup: choice.lookup,
      item,
      references: choice.slot.references,
    };
  }

  private referenceExchange(slot: number): void {
    const { rng } = this;
    const pending = this.artifactSlots[slot]!;
    const text = fill(rng, rng.pick(pending.references), { item: pending.item });
    const at = this.user(this.userMessage(text));
    pending.artifact.referencedAt.push(at);
    const lead = [fill(rng, rng.pick(pending.lookup.referenceAnswers), { item: pending.item })];
    this.assistant(this.assistantMessage(lead, this.topic(), { short: true }));
  }

  /**
   * The user asks, the assistant says it will check, one or more tool calls (the first may
   * fail, then usually a retry), the assistant answers. With `planting`, the record the user
   * means carries the artifact, and the exchange returns where it is.
   */
  private lookupExchange(
    target: {
      lookup: Lookup;
      item: string;
      planting: { category: ArtifactCategory; path: ReadonlyArray<string | number> };
    } | null,
  ): {
    value: string;
    eventIndex: number;
    recordIndex: number | null;
    recordCount: number;
    resultBytes: number;
  } | null {
    const { rng, kit, gen } = this;
    const lookup = target?.lookup ?? rng.pick(kit.lookups);
    const item = target?.item ?? rng.pick(lookup.items);
    this.user(this.userMessage(fill(rng, rng.pick(lookup.asks), { item })));
    this.assistant(rng.pick(kit.checking));
    const args = lookup.args(gen, item);
    const fails = rng.chance(target ? 0.1 : 0.15);
    const retry = !fails || target !== null || rng.chance(0.6);
    if (fails) this.tool(lookup.tool, args, null, rng.pick(kit.toolErrors));
    let planted: {
      value: string;
      eventIndex: number;
      recordIndex: number | null;
      recordCount: number;
      resultBytes: number;
    } | null = null;
    if (retry) {
      const built = buildResult(gen, lookup, item);
      const eventIndex = this.tool(lookup.tool, args, built.result, null);
      if (target) {
        const value = valueAt(built.targetRecord, target.planting.path);
        if (typeof value !== 'string')
          throw new Error(`lookup ${lookup.tool}: no string at ${target.planting.path.join('.')}`);
        planted = {
          value,
          eventIndex,
          recordIndex: built.recordIndex,
          recordCount: built.recordCount,
          resultBytes: built.bytes,
        };
      }
      if (rng.chance(0.3)) {
        // A second call to another tool in the same step (an agent often checks two things).
        const other = rng.pick(kit.lookups.filter((l) => l !== lookup));
        const otherItem = rng.pick(other.items);
        const second = buildResult(gen, other, otherItem);
        this.tool(other.tool, other.args(gen, otherItem), second.result, null);
      }
      const lead = rng.sample(lookup.answers, rng.int(1, 2)).map((a) => fill(rng, a, { item }));
      this.assistant(this.assistantMessage(lead, this.topic(), { short: true }));
    } else {
      this.assistant(
        this.assistantMessage([rng.pick(kit.failureAnswers)], this.topic(), { short: true }),
      );
    }
    return planted;
  }

  private smallTalkExchange(): void {
    const { rng } = this;
    this.user(rng.pick(USER_SMALL_TALK));
    this.assistant(this.assistantMessage([], null, { pool: ASSISTANT_SMALL_TALK }));
  }

  private repeatExchange(): void {
    const { rng } = this;
    const earlier = rng.pick(this.asked);
    this.user(this.userMessage(fill(rng, rng.pick(USER_REPEAT), { q: earlier.question })));
    const lead = [
      rng.pick(ASSISTANT_REPEAT_OPENERS),
      ...rng.sample(earlier.answers, rng.int(2, 5)),
    ];
    this.assistant(this.assistantMessage(lead, null, { short: true }));
  }
}

/** Builds a lookup's result: the record the user means, among others in a list, 100 B to 8 KB. */
function buildResult(
  gen: Gen,
  lookup: Lookup,
  item: string,
): {
  result: unknown;
  targetRecord: Record<string, unknown>;
  recordIndex: number | null;
  recordCount: number;
  bytes: number;
} {
  const { rng } = gen;
  const targetRecord = lookup.record(gen, item);
  if (!lookup.envelope) {
    // A tiny answer still comes with the API's metadata (real results are rarely under 100 B).
    const result =
      JSON.stringify(targetRecord).length >= LENGTHS.toolResult.min
        ? targetRecord
        : {
            ...targetRecord,
            meta: {
              requestId: gen.id('req_', 16),
              servedBy: `api-${rng.int(1, 24)}`,
              latencyMs: rng.int(8, 900),
            },
          };
    return {
      result,
      targetRecord,
      recordIndex: null,
      recordCount: 1,
      bytes: JSON.stringify(result).length,
    };
  }
  // Sizes as agents see them: many small answers, and lists of records up to 8 KB.
  const wanted = rng.chance(0.4)
    ? rng.logUniform(LENGTHS.toolResult.min, 2000)
    : rng.int(2000, LENGTHS.toolResult.max);
  // The other records never share the name of the one the user means (it stays identifiable),
  // but may share names among themselves (three orders of batteries).
  const others = lookup.items.filter((i) => i !== item);
  const records: Record<string, unknown>[] = [targetRecord];
  const size = () => JSON.stringify(lookup.envelope!(records, gen)).length;
  while (others.length > 0 && size() < wanted) {
    records.push(lookup.record(gen, rng.pick(others)));
    if (size() > LENGTHS.toolResult.max) {
      records.pop();
      break;
    }
  }
  const decoys = rng.shuffle(records.slice(1));
  const recordIndex = rng.int(0, decoys.length);
  decoys.splice(recordIndex, 0, targetRecord);
  const result = lookup.envelope(decoys, gen);
  return {
    result,
    targetRecord,
    recordIndex,
    recordCount: decoys.length,
    bytes: JSON.stringify(result).length,
  };
}

function valueAt(record: unknown, path: ReadonlyArray<string | number>): unknown {
  let at: unknown = record;
  for (const key of path)
    at =
      at === null || typeof at !== 'object'
        ? undefined
        : (at as Record<string | number, unknown>)[key];
  return at;
}

/** Groups blocks into paragraphs of one to three sentences; lists and code stand alone. */
function paragraphs(rng: Rng, blocks: string[]): string {
  const out: string[] = [];
  let current: string[] = [];
  let size = rng.int(1, 3);
  for (const block of blocks) {
    if (block.includes('\n')) {
      if (current.length) out.push(current.join(' '));
      out.push(block);
      current = [];
      continue;
    }
    current.push(block);
    if (current.length >= size) {
      out.push(current.join(' '));
      current = [];
      size = rng.int(1, 3);
    }
  }
  if (current.length) out.push(current.join(' '));
  return out.join('\n\n');
}

/** The prose sentences of an assistant reply (lists and code left out), for repeats. */
function sentencesOf(text: string): string[] {
  return text
    .split('\n\n')
    .filter((p) => !p.includes('\n') && !p.startsWith('```'))
    .flatMap((p) => p.match(/[^.!?]+[.!?]+/g) ?? [])
    .map((s) => s.trim())
    .filter((s) => wordCount(s) >= 4);
}

function lowerFirst(sentence: string): string {
  // "I …" and acronyms ("IT pinned …") keep their capitals.
  if (/^(I\b|[A-Z]{2,}\b)/.test(sentence)) return sentence;
  return sentence.charAt(0).toLowerCase() + sentence.slice(1);
}
