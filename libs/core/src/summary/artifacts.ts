/**
 * Artifacts of a tool call: the ids, URLs, file paths, e-mail addresses and names found
 * anywhere in its arguments and result, however long or deeply nested the JSON. They are what
 * a later turn refers back to ("that order", "the file you found") and cannot be recomputed.
 *
 * The walk is bounded: at most {@link ARTIFACT_WALK_MAX_LEAVES} leaves per call, strings read up
 * to {@link ARTIFACT_VALUE_MAX_CHARS} characters, so a 256 KB result costs a bounded amount.
 */
import { findValues, type ValueKind } from './values.ts';

/** Leaves of one call's JSON that are looked at, at most (arguments first, then the result). */
export const ARTIFACT_WALK_MAX_LEAVES = 4000;

/** A string leaf longer than this is prose, not an artifact: only its values are taken. */
export const ARTIFACT_VALUE_MAX_CHARS = 300;

/** Artifacts kept from one call, at most: the strongest, then the first found. */
export const ARTIFACTS_PER_CALL = 12;

export interface ToolArtifact {
  /** The JSON key it was found under (`order_id`), or '' for a bare value. */
  label: string;
  /**
   * Short texts of the record it belongs to (`"fado evening"`, `"riverfront"`), by which a later
   * turn may refer to it without naming it; at most {@link ABOUT_PHRASES}.
   */
  about: string[];
  value: string;
  kind: ValueKind | 'keyed';
  /** True when found in the call's arguments (what was asked about) rather than its result. */
  inArguments: boolean;
  /** How much it is worth keeping, before ageing (see summary-eviction.ts). */
  weight: number;
  /** Position in the walk, for a stable order. */
  order: number;
}

/** While walking: whether it comes from a record of a long list that the conversation did not name. */
type FoundArtifact = ToolArtifact & { fromOtherRecord: boolean };

/**
 * Artifacts kept, per call, from the records of a long list that the conversation around the
 * call does not name (the first ones, strongest first): a list of 30 orders gives the one talked
 * about, not 30 ids.
 */
export const OTHER_RECORDS_KEPT = 2;

/** Keys whose values are artifacts whatever their shape (`trackingNumber`, `file_path`, `sku`). */
const ARTIFACT_KEY =
  /(?:^|[_\-.\s])(?:id|uuid|guid|ref|reference|code|number|no|num|sku|ticket|tracking|order|invoice|receipt|confirmation|booking|reservation|pnr|account|path|file|filename|dir|url|uri|link|href|email|e-?mail|handle|username|user|name|title|hash|sha|commit|branch|version|key)$|(?:Id|ID|Ids|Url|URL|Uri|Path|Email|Number|Code|Ref|Name|Sha|Hash|Key)$/i;

/** Kinds of value that are artifacts on their own, wherever they appear. */
const ARTIFACT_KINDS: ReadonlySet<ValueKind> = new Set(['url', 'email', 'path', 'id', 'phone']);

const KIND_WEIGHT: Readonly<Record<ToolArtifact['kind'], number>> = {
  url: 6,
  email: 6,
  path: 5.5,
  id: 6,
  phone: 5.5,
  keyed: 5,
  amount: 4,
  date: 4,
  version: 4.5,
  quoted: 3.5,
  number: 3.5,
  name: 3.5,
};

/** Weight added to what the call was asked about (its arguments). */
const IN_ARGUMENTS_BONUS = 1;

/**
 * Weight added to the artifacts of a record the conversation talks about (one of its short texts
 * is in the request before the call, its arguments, or the reply after it), and taken from those
 * of the other records of a list of more than {@link LONG_LIST} records.
 */
const RELEVANT_RECORD_BONUS = 2;
const OTHER_RECORD_PENALTY = 3;
const LONG_LIST = 3;

/** Short texts kept per record, and their length bounds. */
export const ABOUT_PHRASES = 3;
const PHRASE_MIN_CHARS = 4;
const PHRASE_MAX_CHARS = 40;

/**
 * The artifacts of one call, strongest first (ties in the order found), each value once, at
 * most {@link ARTIFACTS_PER_CALL}.
 */
export function artifactsOf(
  args: unknown,
  result: unknown,
  /** What surrounds the call: the request before it, the reply after it. */
  context: readonly string[] = [],
): ToolArtifact[] {
  const found = new Map<string, FoundArtifact>();
  const state = { leaves: 0, order: 0 };
  const talk = [...context, safeText(args)].join('\n').toLowerCase();
  const add = (artifact: Omit<FoundArtifact, 'order'>) => {
    const id = artifact.value.toLowerCase();
    const existing = found.get(id);
    if (existing && existing.weight >= artifact.weight) return;
    found.set(id, { ...artifact, order: existing?.order ?? state.order++ });
  };
  walk(args, '', true, state, add, null);
  walk(result, '', false, state, add, talk);
  let others = 0;
  return [...found.values()]
    .sort((a, b) => b.weight - a.weight || a.order - b.order)
    .filter((a) => !a.fromOtherRecord || ++others <= OTHER_RECORDS_KEPT)
    .slice(0, ARTIFACTS_PER_CALL)
    .map(({ fromOtherRecord: _other, ...artifact }) => artifact);
}

function walk(
  value: unknown,
  key: string,
  inArguments: boolean,
  state: { leaves: number; order: number },
  add: (artifact: Omit<FoundArtifact, 'order'>) => void,
  talk: string | null,
): void {
  // Each pending node carries the record it belongs to: its short texts and its standing.
  type Frame = [unknown, string, RecordInfo | null];
  const stack: Frame[] = [[value, key, null]];
  while (stack.length > 0) {
    if (state.leaves >= ARTIFACT_WALK_MAX_LEAVES) return;
    const [node, label, record] = stack.pop()!;
    if (Array.isArray(node)) {
      const infos = talk === null ? null : recordInfos(node, talk);
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], label, infos?.[i] ?? record]);
    } else if (node !== null && typeof node === 'object') {
      const entries = Object.entries(node as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--)
        stack.push([entries[i]![1], entries[i]![0], record]);
    } else {
      state.leaves++;
      leaf(node, label, inArguments, record, add);
    }
  }
}

interface RecordInfo {
  about: string[];
  /** Added to (or taken from) the weight of its artifacts. */
  bonus: number;
}

/**
 * For each element of a list that is a record: its distinctive short texts (found in at most
 * {@link DISTINCTIVE_SHARE} of the list's records, at least one: a hotel's name, a product, a
 * district; not a status every record has), and whether it is the record the conversation around
 * the call talks about. Each record is scored by the short texts of it that the conversation
 * names, rarer ones counting more (log(1 + records ÷ records having it)); the best-scoring
 * records, at most {@link NAMED_RECORDS}, are the ones talked about ("the fado evening is
 * confirmed" names the confirmed fado evening, not every fado evening nor every confirmed one).
 */
function recordInfos(list: readonly unknown[], talk: string): Array<RecordInfo | null> {
  const phrasesOf = list.map((item) =>
    item !== null && typeof item === 'object' && !Array.isArray(item)
      ? [...new Set(shortTexts(item))]
      : null,
  );
  const records = phrasesOf.filter((p) => p !== null).length;
  const frequency = new Map<string, number>();
  for (const phrases of phrasesOf)
    for (const p of phrases ?? []) frequency.set(p, (frequency.get(p) ?? 0) + 1);
  const named = new Map<string, boolean>();
  const said = (p: string) => {
    let answer = named.get(p);
    if (answer === undefined) named.set(p, (answer = mentionsPhrase(talk, p)));
    return answer;
  };
  const scores = phrasesOf.map((phrases) =>
    (phrases ?? []).reduce(
      (sum, p) => (said(p) ? sum + Math.log(1 + records / (frequency.get(p) ?? 1)) : sum),
      0,
    ),
  );
  const best = Math.max(0, ...scores);
  const atBest = scores.filter((score) => best > 0 && score === best).length;
  const limit = Math.max(1, Math.floor(records * DISTINCTIVE_SHARE));
  // A text the conversation named may be a little more common and still tell records apart.
  const namedLimit = Math.max(1, Math.floor(records * NAMED_SHARE));
  const long = records > LONG_LIST;
  return phrasesOf.map((phrases, i) => {
    if (phrases === null) return null;
    const talkedAbout = best > 0 && scores[i] === best && atBest <= NAMED_RECORDS;
    // What tells the record apart: the texts the conversation named, then the rarest.
    const about = [
      ...phrases.filter((p) => said(p) && (frequency.get(p) ?? 0) <= namedLimit),
      ...phrases
        .filter((p) => (frequency.get(p) ?? 0) <= limit)
        .sort((a, b) => (frequency.get(a) ?? 0) - (frequency.get(b) ?? 0)),
    ];
    return {
      about: [...new Set(about)].slice(0, ABOUT_PHRASES),
      bonus: talkedAbout ? RELEVANT_RECORD_BONUS : long ? -OTHER_RECORD_PENALTY : 0,
    };
  });
}

/** Records of one list that can be the one talked about (ties beyond it name none). */
const NAMED_RECORDS = 2;

/** Share of a list's records a text may be found in and still tell a record apart. */
const DISTINCTIVE_SHARE = 0.2;
/** The same, for a text the conversation around the call named. */
const NAMED_SHARE = 0.25;

/** A record's short texts (not its ids or URLs), lower case, in order. */
function shortTexts(record: object): string[] {
  const out: string[] = [];
  let seen = 0;
  const stack: unknown[] = [record];
  while (stack.length > 0 && seen < 64) {
    const node = stack.pop();
    if (node !== null && typeof node === 'object') {
      for (const v of Object.values(node as Record<string, unknown>)) stack.push(v);
      continue;
    }
    seen++;
    if (typeof node !== 'string') continue;
    const text = node.trim();
    if (text.length < PHRASE_MIN_CHARS || text.length > PHRASE_MAX_CHARS || !/\p{L}{3}/u.test(text))
      continue;
    if (findValues(text).some((v) => ARTIFACT_KINDS.has(v.kind))) continue;
    out.push(text.toLowerCase());
  }
  return out;
}

/** Whether `talk` (lower case) holds `phrase` as whole words. */
export function mentionsPhrase(talk: string, phrase: string): boolean {
  const needle = phrase.toLowerCase();
  let from = 0;
  for (;;) {
    const at = talk.indexOf(needle, from);
    if (at < 0) return false;
    const before = talk[at - 1] ?? ' ';
    const after = talk[at + needle.length] ?? ' ';
    if (!/[\p{L}\p{N}]/u.test(before) && !/[\p{L}\p{N}]/u.test(after)) return true;
    from = at + 1;
  }
}

function safeText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

function leaf(
  node: unknown,
  label: string,
  inArguments: boolean,
  record: RecordInfo | null,
  addFound: (artifact: Omit<FoundArtifact, 'order'>) => void,
): void {
  const bonus = (inArguments ? IN_ARGUMENTS_BONUS : 0) + (record?.bonus ?? 0);
  const about = record?.about ?? [];
  const fromOtherRecord = (record?.bonus ?? 0) < 0;
  const add = (artifact: Omit<ToolArtifact, 'order'>) => addFound({ ...artifact, fromOtherRecord });
  const keyed = ARTIFACT_KEY.test(label);
  if (typeof node === 'number' && Number.isFinite(node)) {
    if (keyed && Number.isInteger(node) && Math.abs(node) >= 100)
      add({
        label,
        about,
        value: String(node),
        kind: 'keyed',
        inArguments,
        weight: KIND_WEIGHT.keyed + bonus,
      });
    return;
  }
  if (typeof node !== 'string') return;
  const text = node.trim();
  if (text.length < 2) return;
  if (text.length <= ARTIFACT_VALUE_MAX_CHARS) {
    const values = findValues(text);
    const whole = values.length === 1 && values[0]!.text.length >= text.length - 2;
    if (whole && ARTIFACT_KINDS.has(values[0]!.kind)) {
      const kind = values[0]!.kind;
      add({
        label,
        about,
        value: values[0]!.text,
        kind,
        inArguments,
        weight: KIND_WEIGHT[kind] + bonus,
      });
      return;
    }
    // Words alone under a key ("title": "slow invoice endpoint", "status": "failed", "name":
    // "integration") describe a record: the conversation says them in its own words, nothing is
    // looked up by them, and they stay among the record's short texts (`about`).
    const description = /^[\p{L}\p{M}']+(?: [\p{L}\p{M}']+)*$/u.test(text);
    if (keyed && !description && text.length <= 80 && !/\s{2}/.test(text)) {
      add({
        label,
        about,
        value: text,
        kind: 'keyed',
        inArguments,
        weight: KIND_WEIGHT.keyed + bonus,
      });
      return;
    }
  }
  // Prose inside a result (a description, a log line): the strong values it names.
  for (const value of findValues(text.slice(0, 4 * ARTIFACT_VALUE_MAX_CHARS))) {
    if (ARTIFACT_KINDS.has(value.kind))
      add({
        label,
        about,
        value: value.text,
        kind: value.kind,
        inArguments,
        weight: KIND_WEIGHT[value.kind] - 1 + bonus,
      });
  }
}
