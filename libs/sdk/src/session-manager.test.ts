import { describe, expect, it } from 'vitest';
import { defaultTokenCounter, PriceTable, ValidationError } from '@threadline/core';
import { EmbeddedRuntime } from './index.ts';
import { SessionManager } from './session-manager.ts';

const prices = new PriceTable();
const fresh = (extra: ConstructorParameters<typeof SessionManager>[0] = {}) =>
  new SessionManager({ runtime: new EmbeddedRuntime(), ...extra });

async function count(text: string, model = 'gpt-4o-mini') {
  await defaultTokenCounter.prepare([model]);
  return defaultTokenCounter.countText(text, model);
}

describe('SessionManager: ids and events', () => {
  it('generates a session id when none is given and keeps it for the whole conversation', async () => {
    const sm = fresh({ infiniteContext: true, maxTurnsPerSegment: 2 });
    const id = sm.sessionId;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    for (let i = 0; i < 7; i++) await sm.userSays(`message ${i}`);
    expect(sm.sessionId).toBe(id);
    expect((await sm.getSessionChain()).length).toBeGreaterThan(1);
  });

  it('uses the id it is given, even one that contains "nonexistent"', async () => {
    const sm = fresh({ sessionId: 'nonexistent-session-42' });
    await sm.userSays('hello');
    expect((await sm.getStats()).sessionId).toBe('nonexistent-session-42');
  });

  it('refuses a malformed session id with a message naming the field and the rule', () => {
    expect(() => fresh({ sessionId: 'bad id:{x}' })).toThrow(ValidationError);
    expect(() => fresh({ sessionId: 'bad id:{x}' })).toThrow(
      /options\.sessionId: expected 1 to 128 characters/,
    );
  });

  it('returns an eventId from every write and keeps each event with its metadata', async () => {
    const sm = fresh();
    const id = await sm.userSays('Where is my order?', { channel: 'web', locale: 'en-GB' });
    await sm.aiResponds('It ships tomorrow.', {
      model: 'gpt-4o',
      provider: 'openai',
      confidence: 0.9,
    });
    const conversation = await sm.getConversation();
    expect(conversation).toMatchObject([
      {
        role: 'user',
        content: 'Where is my order?',
        eventId: id,
        metadata: { channel: 'web', locale: 'en-GB' },
      },
      {
        role: 'assistant',
        content: 'It ships tomorrow.',
        model: 'gpt-4o',
        metadata: { confidence: 0.9 },
      },
    ]);
    expect(conversation[0]!.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('keeps empty, huge and unicode messages intact', async () => {
    const sm = fresh();
    const huge = 'lorem ipsum '.repeat(20_000);
    const unicode = 'Zürich → 東京 🚄 naïve café — «ça va?» 👩‍💻';
    await sm.userSays('');
    await sm.userSays(huge);
    await sm.aiResponds(unicode);
    const contents = (await sm.getConversation()).map((e) => e.content);
    expect(contents).toEqual(['', huge, unicode]);
    expect((await sm.getStats()).totalMessages).toBe(3);
  });

  it('records a failed tool call with success false and its error', async () => {
    const sm = fresh();
    await sm.toolUsed('weather', { city: 'Oslo' }, { tempC: 4 });
    await sm.toolUsed('weather', { city: 'Atlantis' }, null, 'city not found');
    const tools = (await sm.getConversation({ includeTools: true })).filter(
      (e) => e.role === 'tool',
    );
    expect(tools.map((t) => t.success)).toEqual([true, false]);
    expect(tools[1]!.content).toContain('city not found');
    const stats = await sm.getStats();
    expect(stats).toMatchObject({ toolCalls: 2, toolErrors: 1 });
  });

  it('applies 5 parallel userSays calls in order without losing one or overfilling a segment', async () => {
    const sm = fresh({ infiniteContext: true, maxTurnsPerSegment: 2 });
    await Promise.all([0, 1, 2, 3, 4].map((i) => sm.userSays(`parallel ${i}`)));
    const all = await sm.getConversation({ allSegments: true });
    expect(all.map((e) => e.content)).toEqual([
      'parallel 0',
      'parallel 1',
      'parallel 2',
      'parallel 3',
      'parallel 4',
    ]);
    const chain = await sm.getChain();
    expect(chain.map((s) => s.counters.turns)).toEqual([2, 2, 1]);
  });
});

describe('SessionManager: tokens and cost', () => {
  it('counts user messages for the session model and prices them as its input', async () => {
    const text = 'Please summarise the quarterly revenue report for the board.';
    const sm = fresh({ defaultModel: 'gpt-4' });
    await sm.userSays(text);
    const stats = await sm.getStats();
    const tokens = await count(text, 'gpt-4');
    expect(stats.promptTokens).toBe(tokens);
    expect(stats.costNano).toBe(prices.inputCost('gpt-4', tokens));
    expect(stats.estimatedCost).toBeCloseTo((tokens * 30) / 1e6, 12);
  });

  it('prices an assistant message as output of the model that wrote it, and reported usage wins', async () => {
    const sm = fresh();
    const reply = 'The report shows revenue grew 12% to 4.2 million.';
    await sm.aiResponds(reply, { model: 'gpt-4o-2024-08-06' });
    const counted = await count(reply, 'gpt-4o');
    let stats = await sm.getStats();
    expect(stats.completionTokens).toBe(counted);
    expect(stats.costNano).toBe(prices.outputCost('gpt-4o', counted));

    await sm.aiResponds('short', {
      model: 'gpt-4o',
      usage: { prompt_tokens: 1000, completion_tokens: 250 },
    });
    stats = await sm.getStats();
    expect(stats.completionTokens).toBe(counted + 250);
    expect(stats.promptTokens).toBe(1000);
    expect(stats.costNano).toBe(
      prices.outputCost('gpt-4o', counted) +
        prices.outputCost('gpt-4o', 250) +
        prices.inputCost('gpt-4o', 1000),
    );
  });
});

describe('SessionManager: system prompt', () => {
  it('never emits a blank system prompt', async () => {
    const sm = fresh({ systemPrompt: '   ' });
    await sm.userSays('hi');
    expect((await sm.getMessagesForLlm()).map((m) => m.role)).toEqual(['user']);
  });

  it('lets an explicit prompt beat one kept in metadata', async () => {
    const sm = fresh({ systemPrompt: 'explicit', metadata: { system_prompt: 'from metadata' } });
    await sm.userSays('hi');
    expect(await sm.getSystemPrompt()).toBe('explicit');
    const fromMeta = fresh({ metadata: { system_prompt: 'from metadata' } });
    expect(await fromMeta.getSystemPrompt()).toBe('from metadata');
  });

  it('keeps the prompt across segmentation and when the session is reopened', async () => {
    const runtime = new EmbeddedRuntime();
    const sm = new SessionManager({
      runtime,
      systemPrompt: 'You are a pirate.',
      infiniteContext: true,
      maxTurnsPerSegment: 2,
    });
    for (let i = 0; i < 5; i++) await sm.userSays(`turn ${i}`);
    await sm.flush();
    expect((await sm.getMessagesForLlm())[0]).toEqual({
      role: 'system',
      content: 'You are a pirate.',
    });
    const reopened = new SessionManager({ runtime, sessionId: sm.sessionId });
    expect((await reopened.getMessagesForLlm())[0]).toEqual({
      role: 'system',
      content: 'You are a pirate.',
    });
    const replaced = new SessionManager({
      runtime,
      sessionId: sm.sessionId,
      systemPrompt: 'You are a poet.',
    });
    expect(await replaced.getSystemPrompt()).toBe('You are a poet.');
  });

  it('updates the prompt in order with the conversation', async () => {
    const sm = fresh({ systemPrompt: 'one' });
    await sm.userSays('a');
    await sm.updateSystemPrompt('two');
    expect((await sm.getMessagesForLlm())[0]).toEqual({ role: 'system', content: 'two' });
    await sm.updateSystemPrompt('');
    expect((await sm.getMessagesForLlm()).map((m) => m.role)).toEqual(['user']);
  });
});

describe('SessionManager: infinite context', () => {
  it('seals by turns with the check before adding (>=): N turns fit, the next opens a segment', async () => {
    const sm = fresh({ infiniteContext: true, maxTurnsPerSegment: 2 });
    await sm.userSays('one');
    await sm.aiResponds('two');
    expect(await sm.getSessionChain()).toHaveLength(1);
    await sm.userSays('three');
    const chain = await sm.getSessionChain();
    expect(chain).toEqual([`${sm.sessionId}.s0`, `${sm.sessionId}.s1`]);
  });

  it('seals by tokens once the open segment reaches the threshold', async () => {
    const sm = fresh({ infiniteContext: true, tokenThreshold: 50, maxTurnsPerSegment: 1000 });
    const text = 'This sentence is about twelve tokens long, give or take.';
    let turns = 0;
    while ((await sm.getSessionChain()).length === 1) {
      await sm.userSays(text);
      turns += 1;
    }
    const [first] = await sm.getChain();
    expect(first!.counters.contextTokens).toBeGreaterThanOrEqual(50);
    expect(first!.counters.contextTokens - (await count(text)) - 4).toBeLessThan(50);
    expect(first!.counters.turns).toBe(turns - 1);
  });

  it('attaches the summary to the sealed segment and lists the chain oldest first', async () => {
    const sm = fresh({ infiniteContext: true, maxTurnsPerSegment: 2 });
    await sm.userSays('My name is Ada and I need a flight to Berlin on 3 March.');
    await sm.aiResponds('Lufthansa LH 1234 leaves at 09:40 for 189 EUR.');
    await sm.userSays('Book it.');
    await sm.flush();
    const [sealed, open] = await sm.getChain();
    expect(sealed).toMatchObject({ index: 0, status: 'summarized', parentId: null });
    expect(sealed!.summary).toMatchObject({ kind: 'extractive', segmentIndex: 0, coversToSeq: 2 });
    expect(sealed!.summary!.text).toMatch(/Berlin/);
    expect(open).toMatchObject({ index: 1, status: 'open', parentId: sealed!.id });
  });

  it('sends the summary to the model along with every turn after it', async () => {
    const sm = fresh({ infiniteContext: true, maxTurnsPerSegment: 2, systemPrompt: 'Be helpful.' });
    await sm.userSays('I need 40 chairs for the wedding on 14 June.');
    await sm.aiResponds('Rental Co has 40 chairs at 3 EUR each.');
    await sm.userSays('Book them please.');
    await sm.flush();
    const messages = await sm.getMessagesForLlm();
    // The summary is conversation data: a user message, never a second system message.
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'user']);
    expect(messages[1]!.content).toMatch(/40 chairs/);
    expect(messages[2]!.content).toBe('Book them please.');
  });

  it('counts stats across segments, tool calls included', async () => {
    const sm = fresh({ infiniteContext: true, maxTurnsPerSegment: 2 });
    await sm.userSays('a');
    await sm.toolUsed('search', { q: 'a' }, { hits: 1 });
    await sm.aiResponds('b');
    await sm.userSays('c');
    await sm.toolUsed('search', { q: 'c' }, null, 'down');
    await sm.aiResponds('d');
    await sm.userSays('e');
    await sm.flush();
    const all = await sm.getStats({ allSegments: true });
    expect(all).toMatchObject({
      totalMessages: 5,
      userMessages: 3,
      aiMessages: 2,
      toolCalls: 2,
      toolErrors: 1,
      sessionSegments: 3,
    });
    expect(all.summaries).toMatchObject({ made: 2, pending: 0 });
    const current = await sm.getStats({ allSegments: false });
    expect(current).toMatchObject({ totalMessages: 1, toolCalls: 0, scope: 'current_segment' });
    // In infinite-context mode the default is every segment, as in the predecessor.
    expect(await sm.getStats()).toEqual(all);
    expect((await sm.getConversation()).map((e) => e.content)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect((await sm.getConversation({ allSegments: false })).map((e) => e.content)).toEqual(['e']);
    // Reopened without the option, the stored mode decides.
    const reopened = fresh({ sessionId: sm.sessionId, runtime: sm.runtime });
    expect((await reopened.getConversation()).map((e) => e.content)).toHaveLength(5);
  });

  it('has the whole chain when a session is reopened by id', async () => {
    const runtime = new EmbeddedRuntime();
    const sm = new SessionManager({ runtime, infiniteContext: true, maxTurnsPerSegment: 1 });
    for (const t of ['a', 'b', 'c']) await sm.userSays(t);
    const reopened = new SessionManager({ runtime, sessionId: sm.sessionId });
    expect(await reopened.getSessionChain()).toEqual(await sm.getSessionChain());
    expect((await reopened.getConversation({ allSegments: true })).map((e) => e.content)).toEqual([
      'a',
      'b',
      'c',
    ]);
  });

  it('makes summaries with the summary callback, and falls back to the extractive one when it fails', async () => {
    const sm = fresh({ infiniteContext: true, maxTurnsPerSegment: 1 });
    const seen: string[] = [];
    sm.setSummaryCallback(({ messages, previousSummary }) => {
      seen.push(
        `${messages.map((m) => m.content).join('|')} after ${previousSummary ?? 'nothing'}`,
      );
      if (seen.length === 2) throw new Error('callback down');
      return `custom summary ${seen.length}`;
    });
    for (const t of ['first', 'second', 'third', 'fourth']) await sm.userSays(t);
    await sm.flush();
    const chain = await sm.getChain();
    expect(seen[0]).toBe('first after nothing');
    expect(seen[1]).toBe('second after custom summary 1');
    expect(chain[0]!.summary).toMatchObject({ kind: 'custom', text: 'custom summary 1' });
    expect(chain[1]!.summary).toMatchObject({
      kind: 'extractive',
      fallbackReason: 'Error: callback down',
    });
    expect(chain[2]!.summary).toMatchObject({ kind: 'custom', text: 'custom summary 3' });
  });

  it('answers while a summary is being made, with every turn still in the context', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sm = fresh({ infiniteContext: true, maxTurnsPerSegment: 2 });
    sm.setSummaryCallback(async () => {
      await gate;
      return 'slow summary';
    });
    for (const t of ['u1', 'a1', 'u2', 'a2']) await sm.userSays(t);
    const during = await sm.getMessagesForLlm();
    expect(during.map((m) => m.content)).toEqual(['u1', 'a1', 'u2', 'a2']);
    expect((await sm.getStats()).state).toBe('summarizing');
    release();
    await sm.flush();
    const after = await sm.getMessagesForLlm();
    expect(after.map((m) => m.content)).toEqual([
      expect.stringContaining('slow summary'),
      'u2',
      'a2',
    ]);
  });
});
