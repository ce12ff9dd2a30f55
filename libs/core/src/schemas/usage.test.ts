import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/validation-error.ts';
import { acceptEvents } from './accept.ts';
import { UsageSchema } from './usage.ts';

const parse = (usage: unknown) => UsageSchema.parse(usage);

function refusal(usage: unknown): string[] {
  try {
    acceptEvents([{ type: 'assistant_message', sessionId: 's-1', content: 'ok', usage }], {
      now: '2026-01-01T00:00:00Z',
      newEventId: () => 'e-1',
    });
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((i) => `${i.path}: ${i.rule}`);
    throw error;
  }
  throw new Error('expected the usage to be refused');
}

describe('UsageSchema', () => {
  it('keeps camelCase usage as it is', () => {
    expect(parse({ promptTokens: 412, completionTokens: 38, totalTokens: 450 })).toEqual({
      promptTokens: 412,
      completionTokens: 38,
      totalTokens: 450,
    });
  });

  it('normalizes the OpenAI chat completions spelling, details included, to camelCase', () => {
    // The `usage` of a chat completion, as OpenAI's API reference shows it.
    const openAi = {
      prompt_tokens: 19,
      completion_tokens: 10,
      total_tokens: 29,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    };
    expect(parse(openAi)).toEqual({ promptTokens: 19, completionTokens: 10, totalTokens: 29 });
  });

  it('normalizes the Anthropic and OpenAI Responses spelling (input_tokens, output_tokens)', () => {
    const anthropic = {
      input_tokens: 2095,
      output_tokens: 503,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      service_tier: 'standard',
    };
    expect(parse(anthropic)).toEqual({ promptTokens: 2095, completionTokens: 503 });
    const responses = {
      input_tokens: 36,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 87,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 123,
    };
    expect(parse(responses)).toEqual({ promptTokens: 36, completionTokens: 87, totalTokens: 123 });
  });

  it('accepts two spellings of one figure when they agree', () => {
    expect(parse({ promptTokens: 5, prompt_tokens: 5 })).toEqual({ promptTokens: 5 });
  });

  it('refuses two spellings of one figure that disagree, naming both', () => {
    expect(refusal({ promptTokens: 400, prompt_tokens: 412 })).toEqual([
      'events[0].usage.prompt_tokens: conflicts with usage.promptTokens (400); give each figure once, in one spelling',
    ]);
    expect(refusal({ completion_tokens: 38, output_tokens: 40 })).toEqual([
      'events[0].usage.output_tokens: conflicts with usage.completion_tokens (38); give each figure once, in one spelling',
    ]);
  });

  it('still refuses unknown fields and bad counts, naming the field', () => {
    expect(refusal({ promptTokenz: 3 })).toEqual(['events[0].usage: unknown field "promptTokenz"']);
    expect(refusal({ prompt_tokens: -1 })).toEqual([
      'events[0].usage.prompt_tokens: expected a value >= 0',
    ]);
  });

  it('gives the accepted event its usage in camelCase', () => {
    const [event] = acceptEvents(
      [
        {
          type: 'assistant_message',
          sessionId: 's-1',
          content: 'ok',
          usage: { prompt_tokens: 412, completion_tokens: 38 },
        },
      ],
      { now: '2026-01-01T00:00:00Z', newEventId: () => 'e-1' },
    );
    expect(event).toMatchObject({ usage: { promptTokens: 412, completionTokens: 38 } });
    expect(JSON.stringify(event)).not.toContain('prompt_tokens');
  });
});
