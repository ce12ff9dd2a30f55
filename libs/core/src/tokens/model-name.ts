/**
 * The part of a model name that says which model it is: trimmed, lower-cased, and without the
 * routing prefix that gateways put in front (`openai/gpt-4o`, `openrouter/openai/gpt-4o` →
 * `gpt-4o`). Returns `''` for an absent or blank name.
 *
 * Used by both the tokenizer choice and the price lookup, so that the two always agree on which
 * model an event names.
 */
export function modelBaseName(model: string | null | undefined): string {
  if (model == null) return '';
  const name = model.trim().toLowerCase();
  return name.slice(name.lastIndexOf('/') + 1);
}
