import { describe, expect, it } from 'vitest';
import { EventJobSchema } from './job-schemas.ts';

const job = (usage: unknown) => ({
  v: 1,
  tenant: 'acme',
  sessionId: 's-1',
  events: [{ type: 'assistant_message', eventId: 'a-1', sessionId: 's-1', content: 'Hi.', usage }],
});

describe('EventJobSchema', () => {
  it('takes usage in any provider spelling from a producer in another language, as camelCase', () => {
    const parsed = EventJobSchema.parse(job({ prompt_tokens: 412, completion_tokens: 38 }));
    expect(parsed.events[0]).toMatchObject({ usage: { promptTokens: 412, completionTokens: 38 } });
    const anthropic = EventJobSchema.parse(job({ input_tokens: 7, output_tokens: 3 }));
    expect(anthropic.events[0]).toMatchObject({ usage: { promptTokens: 7, completionTokens: 3 } });
  });

  it('refuses a job whose usage gives one figure twice with different values, naming the field', () => {
    const result = EventJobSchema.safeParse(job({ totalTokens: 10, total_tokens: 11 }));
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({
        path: ['events', 0, 'usage', 'total_tokens'],
        message: 'conflicts with usage.totalTokens (10); give each figure once, in one spelling',
      }),
    ]);
  });
});
