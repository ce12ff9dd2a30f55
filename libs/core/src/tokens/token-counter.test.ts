import fc from 'fast-check';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { EncodingName } from './encoding-for-model.ts';
import {
  countingParts,
  EncodingNotLoadedError,
  loadBundledRanks,
  MAX_COUNTED_RUN,
  REPLY_PRIMING_TOKENS,
  TOKENS_PER_MESSAGE,
  TOKENS_PER_NAME,
  TokenCounter,
  type RankLoader,
} from './token-counter.ts';

/** The example conversation of OpenAI's cookbook "How to count tokens with tiktoken". */
const COOKBOOK_MESSAGES = [
  {
    role: 'system',
    content:
      'You are a helpful, pattern-following assistant that translates corporate jargon into plain English.',
  },
  {
    role: 'system',
    name: 'example_user',
    content: 'New synergies will help drive top-line growth.',
  },
  {
    role: 'system',
    name: 'example_assistant',
    content: 'Things working well together will increase revenue.',
  },
  {
    role: 'system',
    name: 'example_user',
    content:
      "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage.",
  },
  {
    role: 'system',
    name: 'example_assistant',
    content: "Let's talk later when we're less busy about how to do better.",
  },
  {
    role: 'user',
    content:
      "This late pivot means we don't have time to boil the ocean for the client deliverable.",
  },
];

function spyLoader(): RankLoader & { calls: EncodingName[] } {
  const calls: EncodingName[] = [];
  const loader = async (encoding: EncodingName) => {
    calls.push(encoding);
    return loadBundledRanks(encoding);
  };
  return Object.assign(loader, { calls });
}

describe.each(['gpt-tokenizer', 'js-tiktoken'] as const)('TokenCounter on %s', (tokenizer) => {
  const counter = new TokenCounter({ tokenizer });
  beforeAll(() => counter.prepare(['gpt-4o', 'gpt-4']));

  it('says which library it counts with', () => {
    expect(counter.tokenizer).toBe(tokenizer);
  });

  it('counts "hello world" as 2 tokens in both encodings', () => {
    expect(counter.countText('hello world', 'gpt-4o')).toBe(2);
    expect(counter.countText('hello world', 'gpt-4')).toBe(2);
  });

  it.each([
    // [text, o200k_base, cl100k_base]; the first comes from OpenAI's cookbook.
    ['お誕生日おめでとう', 8, 9],
    ['Привет, как дела?', 6, 8],
    ['नमस्ते दुनिया', 5, 13],
  ])('counts %j with the encoding of the model (o200k: %i, cl100k: %i)', (text, o200k, cl100k) => {
    expect(counter.countText(text, 'gpt-4o')).toBe(o200k);
    expect(counter.countText(text, 'gpt-4o-mini-2024-07-18')).toBe(o200k);
    expect(counter.countText(text, 'claude-3-5-sonnet')).toBe(o200k);
    expect(counter.countText(text, 'gpt-4')).toBe(cl100k);
    expect(counter.countText(text, 'gpt-3.5-turbo')).toBe(cl100k);
  });

  it('counts text that looks like a special token as ordinary text', () => {
    expect(counter.countText('<|endoftext|>', 'gpt-4o')).toBe(7);
    expect(counter.countText('<|endoftext|>', 'gpt-4')).toBe(7);
  });

  it('counts the empty string as 0 tokens', () => {
    expect(counter.countText('', 'gpt-4o')).toBe(0);
  });

  it("adds the chat format's overhead to a message", () => {
    expect(TOKENS_PER_MESSAGE).toBe(3);
    expect(TOKENS_PER_NAME).toBe(1);
    expect(REPLY_PRIMING_TOKENS).toBe(3);
    const user = counter.countText('user', 'gpt-4o');
    const hello = counter.countText('hello world', 'gpt-4o');
    expect(counter.countMessage({ role: 'user', content: 'hello world' }, 'gpt-4o')).toBe(
      TOKENS_PER_MESSAGE + user + hello,
    );
    const name = counter.countText('alice', 'gpt-4o');
    expect(
      counter.countMessage({ role: 'user', content: 'hello world', name: 'alice' }, 'gpt-4o'),
    ).toBe(TOKENS_PER_MESSAGE + user + hello + name + TOKENS_PER_NAME);
    expect(counter.countMessage({ role: 'assistant', content: null }, 'gpt-4o')).toBe(
      TOKENS_PER_MESSAGE + counter.countText('assistant', 'gpt-4o'),
    );
  });

  it("matches the prompt tokens OpenAI's API reported for the cookbook conversation", () => {
    expect(counter.countMessages(COOKBOOK_MESSAGES, 'gpt-4o')).toBe(124);
    expect(counter.countMessages(COOKBOOK_MESSAGES, 'gpt-4o-mini')).toBe(124);
    expect(counter.countMessages(COOKBOOK_MESSAGES, 'gpt-4')).toBe(129);
    expect(counter.countMessages(COOKBOOK_MESSAGES, 'gpt-3.5-turbo')).toBe(129);
  });

  it('counts a tool call as the assistant tool_calls message plus the tool result message', () => {
    const model = 'gpt-4o';
    const call = {
      tool: 'get_weather',
      arguments: { unit: 'celsius', city: 'Paris' },
      result: { temperature: 21, sky: 'clear' },
    };
    const t = (text: string) => counter.countText(text, model);
    const expectedCall =
      TOKENS_PER_MESSAGE +
      t('assistant') +
      t('get_weather') +
      t('{"city":"Paris","unit":"celsius"}');
    const expectedResult = TOKENS_PER_MESSAGE + t('tool') + t('{"sky":"clear","temperature":21}');
    expect(counter.countToolCallParts(call, model)).toEqual({
      call: expectedCall,
      result: expectedResult,
    });
    expect(counter.countToolCall(call, model)).toBe(expectedCall + expectedResult);
  });

  it('counts the same tool call the same whatever the order of its keys', () => {
    const a = {
      tool: 'search',
      arguments: { q: 'redis', limit: 5 },
      result: { hits: [1, 2], took: 3 },
    };
    const b = {
      tool: 'search',
      arguments: { limit: 5, q: 'redis' },
      result: { took: 3, hits: [1, 2] },
    };
    expect(counter.countToolCall(a, 'gpt-4o')).toBe(counter.countToolCall(b, 'gpt-4o'));
  });

  it('counts the error (as the model sees it, "Error: …") instead of the result of a failed tool call', () => {
    const t = (text: string) => counter.countText(text, 'gpt-4');
    const failed = {
      tool: 'search',
      arguments: '{"q":"redis"}',
      result: { ignored: 'x'.repeat(500) },
      error: 'timeout after 30s',
    };
    expect(counter.countToolCallParts(failed, 'gpt-4')).toEqual({
      call: TOKENS_PER_MESSAGE + t('assistant') + t('search') + t('{"q":"redis"}'),
      result: TOKENS_PER_MESSAGE + t('tool') + t('Error: timeout after 30s'),
    });
  });

  it('counts a string result as its text, not as a quoted JSON string', () => {
    const t = (text: string) => counter.countText(text, 'gpt-4o');
    const parts = counter.countToolCallParts(
      { tool: 'read', arguments: {}, result: 'plain "text" answer', error: null },
      'gpt-4o',
    );
    expect(parts.result).toBe(TOKENS_PER_MESSAGE + t('tool') + t('plain "text" answer'));
  });
});

describe('TokenCounter loading', () => {
  it('loads only the rank file of the encodings in use', async () => {
    const loader = spyLoader();
    const counter = new TokenCounter({ loadRanks: loader });
    await counter.prepare(['gpt-4o', 'gpt-4o-mini', 'claude-3-opus', undefined, null]);
    expect(loader.calls).toEqual(['o200k_base']);
    expect(counter.isReady('gpt-4o')).toBe(true);
    expect(counter.isReady('llama-3')).toBe(true);
    expect(counter.isReady('gpt-4')).toBe(false);
    expect(counter.isReady('gpt-3.5-turbo')).toBe(false);
  });

  it('refuses to count with an encoding that is not loaded, saying to call prepare()', async () => {
    const counter = new TokenCounter({ loadRanks: spyLoader() });
    expect(() => counter.countText('hi', 'gpt-4')).toThrow(EncodingNotLoadedError);
    expect(() => counter.countText('hi', 'gpt-4')).toThrow(/cl100k_base.*"gpt-4".*prepare\(/);
    expect(() => counter.countMessage({ role: 'user', content: 'hi' })).toThrow(/o200k_base/);
  });

  it('shares one load between concurrent prepare() calls and never loads an encoding twice', async () => {
    const loader = spyLoader();
    const counter = new TokenCounter({ loadRanks: loader });
    await Promise.all([
      counter.prepare(['gpt-4']),
      counter.prepare(['gpt-3.5-turbo']),
      counter.prepare(['gpt-4-turbo', 'text-embedding-3-small']),
    ]);
    await counter.prepare(['gpt-4-0613']);
    expect(loader.calls).toEqual(['cl100k_base']);
    expect(counter.countText('hello world', 'gpt-4')).toBe(2);
  });

  it('reports a failed load with the encoding and tries again on the next prepare()', async () => {
    let fail = true;
    const loadRanks = vi.fn<RankLoader>(async (encoding) => {
      if (fail) throw new Error('rank module missing');
      return loadBundledRanks(encoding);
    });
    const counter = new TokenCounter({ loadRanks });
    await expect(counter.prepare(['gpt-4'])).rejects.toThrow(
      'Could not load the cl100k_base tokenizer ranks: rank module missing',
    );
    expect(counter.isReady('gpt-4')).toBe(false);
    fail = false;
    await counter.prepare(['gpt-4']);
    expect(counter.isReady('gpt-4')).toBe(true);
    expect(loadRanks).toHaveBeenCalledTimes(2);
  });

  it('does nothing when asked to prepare no models', async () => {
    const loader = spyLoader();
    const counter = new TokenCounter({ loadRanks: loader });
    await counter.prepare([]);
    expect(loader.calls).toEqual([]);
    expect(counter.isReady('gpt-4o')).toBe(false);
  });
});

describe('TokenCounter: gpt-tokenizer (the default) and js-tiktoken count the same', () => {
  const fast = new TokenCounter();
  const reference = new TokenCounter({ tokenizer: 'js-tiktoken' });
  const models = ['gpt-4o', 'gpt-4'];
  beforeAll(() => Promise.all([fast.prepare(models), reference.prepare(models)]));

  it('defaults to gpt-tokenizer, and to js-tiktoken when given rank files', () => {
    expect(fast.tokenizer).toBe('gpt-tokenizer');
    expect(new TokenCounter({ loadRanks: loadBundledRanks }).tokenizer).toBe('js-tiktoken');
  });

  it('refuses an unknown tokenizer, and rank files for gpt-tokenizer, naming the option', () => {
    expect(() => new TokenCounter({ tokenizer: 'tiktoken' as never })).toThrow(
      /tokenizer must be 'gpt-tokenizer' or 'js-tiktoken', got "tiktoken"/,
    );
    expect(
      () => new TokenCounter({ tokenizer: 'gpt-tokenizer', loadRanks: loadBundledRanks }),
    ).toThrow(/loadRanks is for tokenizer 'js-tiktoken' only/);
  });

  // Pieces that exercise the pre-tokenizer's regex and the merges: contractions, numbers,
  // whitespace runs, punctuation, code, URLs, CJK, Devanagari, emoji with joiners, special-token
  // text, lone surrogates.
  const pieces = [
    "I'm",
    "we'LL",
    " don't",
    '12345678',
    '3.14159',
    '  ',
    '\n\n\t',
    '   \n',
    '!!!',
    '...',
    'function f(x) { return x ** 2; }',
    '=>',
    '<div class="a">',
    'https://example.com/a?b=c&d=e',
    'お誕生日おめでとう',
    'Привет',
    'नमस्ते',
    '👩‍👩‍👧‍👦',
    '🇫🇷',
    '<|endoftext|>',
    '<|im_start|>',
    '\ud800',
    'ÀÉÎõü',
    'snake_case_name',
    'CamelCaseName',
    '#'.repeat(40),
    ' '.repeat(33),
  ];
  const text = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 200 }),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc
      .array(fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 12 })), {
        maxLength: 40,
      })
      .map((parts) => parts.join('')),
  );

  it.each(models)('on any text, for %s', (model) => {
    fc.assert(
      fc.property(text, (t) => {
        expect(fast.countText(t, model)).toBe(reference.countText(t, model));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('TokenCounter on text that is slow to count (long runs without spaces)', () => {
  const counter = new TokenCounter();
  beforeAll(() => counter.prepare(['gpt-4o']));
  const longestRun = (part: string) =>
    Math.max(0, ...[...part.matchAll(/\S+|\s+/g)].map((m) => m[0].length));

  it('hands the tokenizer no run longer than MAX_COUNTED_RUN, and loses no character', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string({ maxLength: 40 }),
            fc
              .constantFrom('x', 'ab', '😀', ' ', '\n', 'é')
              .chain((unit) => fc.integer({ min: 1, max: 1200 }).map((n) => unit.repeat(n))),
          ),
          { maxLength: 6 },
        ),
        (pieces) => {
          const text = pieces.join('');
          const parts = countingParts(text);
          expect(parts.join('')).toBe(text);
          for (const part of parts) {
            expect(longestRun(part)).toBeLessThanOrEqual(MAX_COUNTED_RUN);
            // No lone surrogate made by a cut.
            expect(part).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('leaves text without long runs whole, so its count is exact', () => {
    const prose = 'Lisbon in May, for two: flights, 5 nights, trams and pastéis. '.repeat(400);
    expect(prose.length).toBeGreaterThan(20_000);
    expect(countingParts(prose)).toEqual([prose]);
  });

  it('counts the content limit of one letter (262 144 × "x") as its exact count', () => {
    // 'x' × 8 is one o200k token, so the exact count is n / 8 and slices of 256 keep it.
    expect(counter.countText('x'.repeat(262_144), 'gpt-4o')).toBe(32_768);
    expect(counter.countText('x'.repeat(10_000), 'gpt-4o')).toBe(1_250);
  });

  it('counts a long base64-like run within a token or two per cut of the exact count', () => {
    const run = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0MTIzNDU2Nzg5'.repeat(20); // 960 characters
    const exact = new TokenCounter({ tokenizer: 'js-tiktoken' });
    return exact.prepare(['gpt-4o']).then(() => {
      const cuts = Math.ceil(run.length / MAX_COUNTED_RUN) - 1;
      const bounded = counter.countText(`see ${run} end`, 'gpt-4o');
      // The exact count, from the parts the tokenizer would see whole (short: no cut).
      const whole = run
        .match(/.{1,200}/g)!
        .reduce((sum, piece) => sum + exact.countText(piece, 'gpt-4o'), 0);
      expect(Math.abs(bounded - whole)).toBeLessThanOrEqual(2 * (cuts + 5) + 4);
    });
  });
});
