/**
 * How every probe looks for a value in a text: whitespace runs become one space, letters are
 * compared in lower case. The generator checks where its values appear with the same rule.
 */
export function normalizeText(text: string): string {
  return text.replace(/\s+/g, ' ').trim().toLowerCase();
}

/** Whether `value` occurs in `text` under {@link normalizeText}. */
export function containsValue(text: string, value: string): boolean {
  const v = normalizeText(value);
  return v.length > 0 && normalizeText(text).includes(v);
}
