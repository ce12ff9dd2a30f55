import { z } from 'zod';

/** A count of tokens, as usage reports and summaries carry them. */
export const TokenCountSchema = z.number().int().min(0).max(100_000_000);

/**
 * The spellings of each usage figure that are accepted, canonical (camelCase) first: OpenAI chat
 * completions (`prompt_tokens`), OpenAI Responses, Anthropic Messages and LangChain's
 * `usage_metadata` (`input_tokens`), and the camelCase of JS SDKs (`inputTokens`).
 */
export const USAGE_SPELLINGS = {
  promptTokens: ['promptTokens', 'prompt_tokens', 'inputTokens', 'input_tokens'],
  completionTokens: ['completionTokens', 'completion_tokens', 'outputTokens', 'output_tokens'],
  totalTokens: ['totalTokens', 'total_tokens'],
} as const;

/**
 * Fields providers put next to the counts (cache and reasoning details, service tier). They are
 * accepted, so that a provider's usage object can be passed as it came, and dropped: the counts
 * above are what is accounted (Anthropic's cache tokens are not added to `input_tokens`).
 */
export const IGNORED_USAGE_DETAILS = [
  'prompt_tokens_details',
  'completion_tokens_details',
  'input_tokens_details',
  'output_tokens_details',
  'input_token_details',
  'output_token_details',
  'cache_creation_input_tokens',
  'cache_read_input_tokens',
  'cache_creation',
  'server_tool_use',
  'service_tier',
] as const;

type Figure = keyof typeof USAGE_SPELLINGS;
const FIGURES = Object.keys(USAGE_SPELLINGS) as Figure[];

const shape: Record<string, z.ZodType> = {};
for (const figure of FIGURES)
  for (const spelling of USAGE_SPELLINGS[figure]) shape[spelling] = TokenCountSchema.optional();
for (const detail of IGNORED_USAGE_DETAILS) shape[detail] = z.unknown().optional();

/** Usage as it is kept: camelCase, each figure once. */
export interface Usage {
  promptTokens?: number;
  completionTokens?: number;
  totalTokens?: number;
}

/** Usage as it may be given: any spelling of {@link USAGE_SPELLINGS}, provider details included. */
export type UsageInput = Partial<Record<(typeof USAGE_SPELLINGS)[Figure][number], number>> &
  Partial<Record<(typeof IGNORED_USAGE_DETAILS)[number], unknown>>;

/**
 * Token usage reported by the provider with an assistant message; it wins over our own count.
 * Every spelling of {@link USAGE_SPELLINGS} is accepted and normalized to camelCase; two
 * spellings of one figure with different values are refused, naming both
 * (`usage.prompt_tokens: conflicts with usage.promptTokens (412); give each figure once`).
 */
export const UsageSchema: z.ZodType<Usage, UsageInput> = z
  .strictObject(shape)
  .superRefine((given, ctx) => {
    for (const figure of FIGURES) {
      let first: string | null = null;
      for (const spelling of USAGE_SPELLINGS[figure]) {
        const value = given[spelling];
        if (value === undefined) continue;
        if (first === null) first = spelling;
        else if (value !== given[first])
          ctx.addIssue({
            code: 'custom',
            path: [spelling],
            message: `conflicts with usage.${first} (${String(given[first])}); give each figure once, in one spelling`,
          });
      }
    }
  })
  .transform((given) => {
    const usage: Usage = {};
    for (const figure of FIGURES) {
      const spelling = USAGE_SPELLINGS[figure].find((s) => given[s] !== undefined);
      if (spelling) usage[figure] = given[spelling] as number;
    }
    return usage;
  }) as unknown as z.ZodType<Usage, UsageInput>;
