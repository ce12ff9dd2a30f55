import { describe, expect, it } from 'vitest';
import { LlmBadOutputError } from './llm-errors.ts';
import { validateSummary } from './validate-summary.ts';

/** A rough counter: one token per 4 characters. */
const countTokens = (text: string) => Math.ceil(text.length / 4);
const check = (text: string, maxTokens = 200, minChars?: number) =>
  validateSummary(text, { maxTokens, countTokens, minChars });

function reasonOf(text: string, maxTokens = 200): string | null {
  try {
    check(text, maxTokens);
    return null;
  } catch (error) {
    if (error instanceof LlmBadOutputError) return error.reason;
    throw error;
  }
}

/** Random characters, like a model gone wrong or a binary blob. */
function noise(chars: number, seed = 7): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789 \n!?#%&*;:~^';
  let state = seed;
  let out = '';
  for (let i = 0; i < chars; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    out += alphabet[state % alphabet.length];
  }
  return out;
}

describe('validateSummary', () => {
  it('returns a good summary trimmed', () => {
    expect(check('  The user booked the 09:39 Alfa Pendular to Porto for €31.50.\n')).toBe(
      'The user booked the 09:39 Alfa Pendular to Porto for €31.50.',
    );
  });

  it.each(['', '   ', '\n\t\n'])('rejects an empty answer (%j)', (text) => {
    expect(reasonOf(text)).toBe('empty');
  });

  it.each([
    "I'm sorry, but I can't help with that request.",
    'I’m sorry, I can’t summarize this conversation.',
    'Sorry, I cannot do that.',
    'I cannot help with that.',
    "I can't assist with summarizing private conversations.",
    'I am unable to comply.',
    'Unfortunately, I cannot provide a summary.',
    'As an AI language model, I do not keep conversations.',
    'As a language model I have no access to that.',
    '"I apologize, but I will not summarize this."',
    'I must decline this request.',
  ])('rejects a refusal: %s', (text) => {
    expect(reasonOf(text)).toBe('refusal');
  });

  it.each([
    'The user said they were sorry for the late reply and asked for trains to Porto.',
    'User asked: can the assistant find a cheaper hotel? The assistant cannot book directly; it shared links.',
    'Summary: the user apologized, then booked the 09:39 train.',
  ])('keeps a summary that only mentions an apology or inability: %s', (text) => {
    expect(reasonOf(text)).toBeNull();
  });

  it('rejects an answer shorter than minChars', () => {
    expect(() => check('OK.', 200, 10)).toThrow(/too short.*3 characters, expected at least 10/);
  });

  it.each([
    ['random characters', noise(300)],
    ['100 000 random characters', noise(100_000)],
    ['a row of digits and symbols', '12 34 56 78 90 ## %% 11 22 33 44 55 66 77 88 99 !! ?? 00'],
    ['one character repeated', 'a'.repeat(5000)],
    ['one word repeated', 'summary '.repeat(300)],
    ['one sentence repeated', 'The user asked about flights to Lisbon. '.repeat(30)],
  ])('rejects %s as noise', (_name, text) => {
    expect(reasonOf(text, 100_000)).toBe('noise');
  });

  it.each([
    [
      'prose with prices and dates',
      'The user is flying Boston to Lisbon on 2025-06-12 (TAP TP218, 21:35, $612) and then takes the Alfa Pendular 121 to Porto at 09:39 on June 16 for €31.50. search_trains failed once with an upstream timeout.',
    ],
    [
      'a summary dense with ids and amounts',
      'Order #A-1029-7731 (2025-06-16, 14:05 UTC): 3× SKU 44-1290 at €12.40; total €65.31 incl. VAT 23%. Refund of $19.99 to card ****4242. Ticket ZD-88213 closed.',
    ],
    [
      'ids and paths',
      'The user uploaded 3f2a9c1e-77b0-4c1a-9d2e-0b8f6a1c2d3e and 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d; the assistant stored both in s3://acme-prod-uploads/2025/06/.',
    ],
    [
      'Chinese',
      '用户计划在6月12日从波士顿飞往里斯本，询问最便宜的航班。助手找到了TAP航空TP218航班，21:35起飞，价格612美元。用户选择了TAP，并询问从里斯本到波尔图的交通方式。',
    ],
    [
      'German',
      'Der Nutzer möchte am 16. Juni früh von Lissabon nach Porto fahren und bucht den Alfa Pendular um 9:39 Uhr für 31,50 €.',
    ],
  ])('keeps %s', (_name, text) => {
    expect(reasonOf(text)).toBeNull();
  });

  it('rejects an answer of more than twice the budget in tokens', () => {
    const text = 'The user asked about the trains to Porto and a hotel near the station. '
      .repeat(2)
      .trim();
    expect(countTokens(text)).toBe(36);
    expect(reasonOf(text, 18)).toBeNull();
    expect(() => check(text, 17)).toThrow(/too long.*36 tokens, expected at most 34/);
  });

  it('rejects a huge answer by its length, without running the tokenizer on it', () => {
    let state = 11;
    const words: string[] = [];
    for (let i = 0; i < 2000; i++) {
      let word = '';
      for (let n = 3 + (i % 6); n > 0; n--) {
        state = (state * 1103515245 + 12345) % 2 ** 31;
        word += 'abcdefghijklmnopqrstuvwxyz'[state % 26];
      }
      words.push(word);
    }
    const text = words.join(' ');
    let counted = false;
    const countOnce = () => ((counted = true), 0);
    expect(() => validateSummary(text, { maxTokens: 50, countTokens: countOnce })).toThrow(
      /too long.*far more than 100 tokens/,
    );
    expect(counted).toBe(false);
  });
});
