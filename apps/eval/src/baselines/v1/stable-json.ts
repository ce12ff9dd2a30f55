// FROZEN COPY of libs/core/src/tokens/stable-json.ts at commit 1ad38c6 (before the context-quality
// issue), kept for measurement only: the v1 baseline of `npm run eval`. Never edit it.

/**
 * Deterministic text of a tool's arguments or result, as it is counted and shown to a model.
 *
 * - A string is returned as it is (a tool that answers with text is sent that text, not a
 *   JSON string literal of it).
 * - Anything else is JSON with the keys of every object sorted (UTF-16 code-unit order), so
 *   `{b: 1, a: 2}` and `{a: 2, b: 1}` give the same text and the same token count on every
 *   worker.
 * - JSON's rules otherwise: `toJSON()` is honoured (dates become ISO strings), non-finite
 *   numbers become `null`, `undefined` / functions / symbols are left out of objects and become
 *   `null` in arrays. A `bigint` is written as its decimal digits (JSON.stringify would throw).
 * - `undefined` (no value at all) gives `''`.
 *
 * @throws TypeError on a circular structure, naming where the cycle closes.
 */
export function stableJson(value: unknown): string {
  if (typeof value === 'string') return value;
  return write(value, '', '$', []) ?? '';
}

function write(value: unknown, key: string, path: string, stack: object[]): string | undefined {
  let v = value;
  if (
    v !== null &&
    typeof v === 'object' &&
    typeof (v as { toJSON?: unknown }).toJSON === 'function'
  ) {
    v = (v as { toJSON: (key: string) => unknown }).toJSON(key);
  }
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? JSON.stringify(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (v === null) return 'null';
  const obj = v as object;
  if (stack.includes(obj)) {
    throw new TypeError(
      `stableJson: ${path} refers back to one of its parents (circular structure)`,
    );
  }
  stack.push(obj);
  let out: string;
  if (Array.isArray(obj)) {
    out = `[${obj.map((item, i) => write(item, String(i), `${path}[${i}]`, stack) ?? 'null').join(',')}]`;
  } else {
    const record = obj as Record<string, unknown>;
    const parts: string[] = [];
    for (const k of Object.keys(record).sort()) {
      const text = write(record[k], k, `${path}.${k}`, stack);
      if (text !== undefined) parts.push(`${JSON.stringify(k)}:${text}`);
    }
    out = `{${parts.join(',')}}`;
  }
  stack.pop();
  return out;
}
