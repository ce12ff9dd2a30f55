import { modelBaseName } from './model-name.ts';

/** The BPE vocabularies Threadline counts with (the two used by current OpenAI chat models). */
export type EncodingName = 'o200k_base' | 'cl100k_base';

/** Every encoding {@link encodingForModel} can return. */
export const ENCODING_NAMES: readonly EncodingName[] = ['o200k_base', 'cl100k_base'];

/**
 * The encoding used for models we do not recognise (Claude, Llama, Mistral, `'unknown'`, no
 * model at all).
 *
 * Their real tokenizers are not BPE vocabularies we can load, so any count is an estimate.
 * `o200k_base` is the better estimate: it is the most recent and largest OpenAI vocabulary
 * (multilingual text and code split much like in the other modern ~100k–200k vocabularies),
 * and it is the encoding of the common case (gpt-4o, gpt-4.1, gpt-5, o-series), so a process
 * that serves those models and unknown ones still loads a single rank file.
 */
export const DEFAULT_ENCODING: EncodingName = 'o200k_base';

/** gpt-4o, chatgpt-4o, gpt-4.1, gpt-4.5, gpt-5 (and later), o1 / o3 / o4 (and later o-series). */
const O200K_FAMILY = /^(?:gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o[1-9]\d*(?:-|$))/;

/** gpt-4 and its dated / 32k / turbo variants, gpt-3.5 (Azure spells it gpt-35), embeddings. */
const CL100K_FAMILY = /^(?:gpt-4(?:-|$)|gpt-3\.5|gpt-35|text-embedding-3|text-embedding-ada-002)/;

/**
 * The tokenizer encoding of a model, by family: `o200k_base` for gpt-4o / gpt-4.1 / gpt-4.5 /
 * gpt-5 / o-series / chatgpt-4o, `cl100k_base` for gpt-4 / gpt-4-turbo / gpt-3.5 /
 * text-embedding-3 / ada-002, and {@link DEFAULT_ENCODING} for anything else.
 *
 * Case-insensitive; dated snapshots (`gpt-4o-2024-08-06`), provider prefixes (`openai/gpt-4o`)
 * and fine-tuned names (`ft:gpt-4o-mini-2024-07-18:acme::abc123`) resolve to their base model.
 */
export function encodingForModel(model: string | undefined | null): EncodingName {
  let name = modelBaseName(model);
  if (name.startsWith('ft:')) name = name.slice('ft:'.length);
  if (O200K_FAMILY.test(name)) return 'o200k_base';
  if (CL100K_FAMILY.test(name)) return 'cl100k_base';
  return DEFAULT_ENCODING;
}

/**
 * Whether counts for `model` are exact: it is an OpenAI model whose encoding is known (the
 * families of {@link encodingForModel}). For any other model (Claude, Gemini, Llama…) a count
 * with {@link DEFAULT_ENCODING} is an estimate.
 */
export function countsExactlyFor(model: string | undefined | null): boolean {
  let name = modelBaseName(model);
  if (name.startsWith('ft:')) name = name.slice('ft:'.length);
  return O200K_FAMILY.test(name) || CL100K_FAMILY.test(name);
}
