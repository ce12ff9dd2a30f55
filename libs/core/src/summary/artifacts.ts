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
export const ARTIFACTS_PER_CALL = 24;

export interface ToolArtifact {
  /** The JSON key it was found under (`order_id`), or '' for a bare value. */
  label: string;
  value: string;
  kind: ValueKind | 'keyed';
  /** True when found in the call's arguments (what was asked about) rather than its result. */
  inArguments: boolean;
  /** How much it is worth keeping, before ageing (see summary-eviction.ts). */
  weight: number;
  /** Position in the walk, for a stable order. */
  order: number;
}

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
 * The artifacts of one call, strongest first (ties in the order found), each value once, at
 * most {@link ARTIFACTS_PER_CALL}.
 */
export function artifactsOf(args: unknown, result: unknown): ToolArtifact[] {
  const found = new Map<string, ToolArtifact>();
  const state = { leaves: 0, order: 0 };
  const add = (artifact: Omit<ToolArtifact, 'order'>) => {
    const id = artifact.value.toLowerCase();
    const existing = found.get(id);
    if (existing && existing.weight >= artifact.weight) return;
    found.set(id, { ...artifact, order: existing?.order ?? state.order++ });
  };
  walk(args, '', true, state, add);
  walk(result, '', false, state, add);
  return [...found.values()]
    .sort((a, b) => b.weight - a.weight || a.order - b.order)
    .slice(0, ARTIFACTS_PER_CALL);
}

function walk(
  value: unknown,
  key: string,
  inArguments: boolean,
  state: { leaves: number; order: number },
  add: (artifact: Omit<ToolArtifact, 'order'>) => void,
): void {
  const stack: Array<[unknown, string]> = [[value, key]];
  while (stack.length > 0) {
    if (state.leaves >= ARTIFACT_WALK_MAX_LEAVES) return;
    const [node, label] = stack.pop()!;
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], label]);
    } else if (node !== null && typeof node === 'object') {
      const entries = Object.entries(node as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) stack.push([entries[i]![1], entries[i]![0]]);
    } else {
      state.leaves++;
      leaf(node, label, inArguments, add);
    }
  }
}

function leaf(
  node: unknown,
  label: string,
  inArguments: boolean,
  add: (artifact: Omit<ToolArtifact, 'order'>) => void,
): void {
  const bonus = inArguments ? IN_ARGUMENTS_BONUS : 0;
  const keyed = ARTIFACT_KEY.test(label);
  if (typeof node === 'number' && Number.isFinite(node)) {
    if (keyed && Number.isInteger(node) && Math.abs(node) >= 100)
      add({
        label,
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
      add({ label, value: values[0]!.text, kind, inArguments, weight: KIND_WEIGHT[kind] + bonus });
      return;
    }
    if (keyed && text.length <= 80 && !/\s{2}/.test(text)) {
      add({ label, value: text, kind: 'keyed', inArguments, weight: KIND_WEIGHT.keyed + bonus });
      return;
    }
  }
  // Prose inside a result (a description, a log line): the strong values it names.
  for (const value of findValues(text.slice(0, 4 * ARTIFACT_VALUE_MAX_CHARS))) {
    if (ARTIFACT_KINDS.has(value.kind))
      add({
        label,
        value: value.text,
        kind: value.kind,
        inArguments,
        weight: KIND_WEIGHT[value.kind] - 1 + bonus,
      });
  }
}
