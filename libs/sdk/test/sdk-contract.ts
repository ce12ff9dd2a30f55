import { describe, expect, it } from 'vitest';
import type { Runtime } from '@threadline/runtime';
import {
  getConversationHistory,
  getSessionStats,
  SessionManager,
  trackConversation,
  trackLlmCall,
  ValidationError,
  trackToolUse,
  type SessionChange,
} from '../src/index.ts';

/**
 * What the SDK does the same on both runtimes: run on the embedded runtime by
 * libs/sdk/test/embedded-sdk.test.ts, and on the Redis runtime with a session worker by
 * apps/session-worker/test/redis-sdk.test.ts. Exported as `@threadline/sdk/contract`.
 */
export function sdkContract(name: string, runtime: () => Runtime): void {
  let n = 0;
  const id = (what: string) => `${what}-${Date.now().toString(36)}-${++n}`;

  describe(`SDK on ${name}`, () => {
    it('records a write resent with the same eventId once (a retry after a timeout)', async () => {
      const sm = new SessionManager({ sessionId: id('retry'), runtime: runtime() });
      const first = await sm.userSays('Where is order A-1?', {}, { eventId: 'evt-user-1' });
      expect(first).toBe('evt-user-1');
      await sm.userSays('Where is order A-1?', {}, { eventId: 'evt-user-1' });
      await sm.aiResponds('It ships today.', { model: 'gpt-4o-mini', eventId: 'evt-ai-1' });
      await sm.aiResponds('It ships today.', { model: 'gpt-4o-mini', eventId: 'evt-ai-1' });
      await sm.toolUsed('lookup', { id: 'A-1' }, { ok: true }, undefined, {}, { eventId: 'evt-t' });
      await sm.toolUsed('lookup', { id: 'A-1' }, { ok: true }, undefined, {}, { eventId: 'evt-t' });
      const conversation = await sm.getConversation({ includeTools: true });
      expect(conversation.map((e) => e.eventId)).toEqual(['evt-user-1', 'evt-ai-1', 'evt-t']);
      expect((await sm.getStats()).totalMessages).toBe(2);
    });

    it('lets a read right after the simple helpers see their writes', async () => {
      const rt = runtime();
      const sessionId = await trackConversation('I am in Oslo.', 'Noted: Oslo.', {
        sessionId: id('helpers'),
        runtime: rt,
      });
      expect((await getSessionStats(sessionId, { runtime: rt })).totalMessages).toBe(2);
      await trackToolUse('weather', { city: 'Oslo' }, { tempC: 4 }, { sessionId, runtime: rt });
      const history = await getConversationHistory(sessionId, { runtime: rt, includeTools: true });
      expect(history.map((e) => e.role)).toEqual(['user', 'assistant', 'tool']);
    });

    it('gives conversation entries the provider the event named', async () => {
      const sm = new SessionManager({ sessionId: id('provider'), runtime: runtime() });
      await sm.userSays('Which plan fits 30 seats?');
      await sm.aiResponds('Business fits up to 25; Enterprise beyond.', {
        model: 'claude-3-5-haiku-20241022',
        provider: 'anthropic',
      });
      await sm.aiResponds('Shall I compare them?', { model: 'gpt-4o-mini' });
      const conversation = await sm.getConversation();
      expect(conversation.map((e) => [e.role, e.model, e.provider])).toEqual([
        ['user', 'gpt-4o-mini', null],
        ['assistant', 'claude-3-5-haiku-20241022', 'anthropic'],
        ['assistant', 'gpt-4o-mini', null],
      ]);
    });

    it('breaks usage down by model, adding up to the totals, and lists unpriced models', async () => {
      const sm = new SessionManager({ sessionId: id('by-model'), runtime: runtime() });
      await sm.userSays('Summarize the contract.');
      await sm.aiResponds('It runs for two years.', {
        model: 'gpt-4o',
        usage: { prompt_tokens: 1200, completion_tokens: 40 },
      });
      await sm.toolUsed('fetch_clause', { n: 7 }, { text: 'Either party may terminate.' });
      await sm.aiResponds('Clause 7 allows termination.', {
        model: 'llama-3.1-70b-instruct',
        usage: { input_tokens: 900, output_tokens: 30 },
      });
      await sm.aiResponds('Anything else?', { model: 'gpt-4o' });
      const stats = await sm.getStats();
      expect(Object.keys(stats.usageByModel).sort()).toEqual([
        'gpt-4o',
        'gpt-4o-mini',
        'llama-3.1-70b-instruct',
      ]);
      expect(stats.usageByModel['gpt-4o']).toMatchObject({ calls: 2 });
      expect(stats.usageByModel['gpt-4o']!.promptTokens).toBe(1200);
      expect(stats.usageByModel['llama-3.1-70b-instruct']).toEqual({
        promptTokens: 900,
        completionTokens: 30,
        totalTokens: 930,
        cost: 0,
        costNano: 0,
        calls: 1,
      });
      expect(stats.unpricedModels).toEqual(['llama-3.1-70b-instruct']);
      const models = Object.values(stats.usageByModel);
      expect(models.reduce((s, u) => s + u.promptTokens, 0)).toBe(stats.promptTokens);
      expect(models.reduce((s, u) => s + u.completionTokens, 0)).toBe(stats.completionTokens);
      expect(models.reduce((s, u) => s + u.costNano, 0)).toBe(stats.costNano);
      expect(stats.costNano).toBeGreaterThan(0);
    });

    it('records what trackLlmCall unwraps from an Anthropic message and a Responses API response', async () => {
      const rt = runtime();
      const sessionId = id('llm-call');
      const anthropic = await trackLlmCall(
        'Weather in Oslo?',
        async () => ({
          id: 'msg_01Aq9w938a90dw8q',
          type: 'message',
          role: 'assistant',
          model: 'claude-3-5-haiku-20241022',
          stop_reason: 'tool_use',
          content: [
            { type: 'text', text: 'Let me check.' },
            { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Oslo' } },
          ],
          usage: { input_tokens: 384, output_tokens: 86, cache_read_input_tokens: 0 },
        }),
        { sessionId, runtime: rt, provider: 'anthropic' },
      );
      expect(anthropic.text).toBe('Let me check.');
      await trackToolUse('get_weather', { city: 'Oslo' }, { tempC: 4 }, { sessionId, runtime: rt });
      await trackLlmCall(
        'And tomorrow?',
        () => ({
          object: 'response',
          model: 'gpt-4.1-2025-04-14',
          output: [
            {
              type: 'message',
              role: 'assistant',
              content: [{ type: 'output_text', text: 'Snow, -2 °C.', annotations: [] }],
            },
          ],
          usage: { input_tokens: 36, output_tokens: 87, total_tokens: 123 },
        }),
        { sessionId, runtime: rt },
      );
      const history = await getConversationHistory(sessionId, { runtime: rt, includeTools: true });
      expect(history.map((e) => [e.role, e.model, e.provider])).toEqual([
        ['user', 'gpt-4o-mini', null],
        ['assistant', 'claude-3-5-haiku-20241022', 'anthropic'],
        ['tool', null, null],
        ['user', 'gpt-4o-mini', null],
        ['assistant', 'gpt-4.1-2025-04-14', null],
      ]);
      expect(history[1]!.metadata).toEqual({
        toolCalls: [{ id: 'toolu_01', name: 'get_weather' }],
      });
      const stats = await getSessionStats(sessionId, { runtime: rt });
      expect(stats.usageByModel['claude-3-5-haiku-20241022']).toMatchObject({
        promptTokens: 384,
        completionTokens: 86,
        calls: 1,
      });
      expect(stats.usageByModel['gpt-4.1-2025-04-14']).toMatchObject({
        promptTokens: 36,
        completionTokens: 87,
        calls: 1,
      });
    });

    it('reads back the config, metadata and parent a session was created with', async () => {
      const rt = runtime();
      const sm = new SessionManager({
        sessionId: id('info'),
        runtime: rt,
        parentId: 'parent-1',
        metadata: { channel: 'web' },
        infiniteContext: true,
        tokenThreshold: 1500,
      });
      await sm.userSays('hello');
      const info = await sm.getSessionInfo();
      expect(info).toMatchObject({
        sessionId: sm.sessionId,
        parentId: 'parent-1',
        metadata: { channel: 'web' },
        config: { infiniteContext: true, tokenThreshold: 1500 },
      });
      expect(info.createdAt).toMatch(/^\d{4}-/);
      await sm.aiResponds('Hi, how can I help?', { model: 'gpt-4o' });
      await sm.toolUsed('lookup', { q: 'x' }, { ok: true });
      const counted = await sm.getSessionInfo();
      expect(counted).toMatchObject({
        state: 'active',
        hasSystemPrompt: false,
        counts: { events: 3, segments: 1, pendingSegments: 0, summaryInFlight: false },
      });
      expect(counted.counts.totals).toMatchObject({
        events: 3,
        turns: 2,
        userMessages: 1,
        assistantMessages: 1,
        toolCalls: 1,
      });
      expect(counted.counts.summaries.made).toBe(0);
    });

    it('changes metadata (merged, null removes a key) and retention with update, and refuses a bad patch', async () => {
      const sm = new SessionManager({
        sessionId: id('update'),
        runtime: runtime(),
        metadata: { channel: 'web', plan: 'free' },
        retentionSeconds: 3600,
      });
      await sm.userSays('hello');
      expect((await sm.getSessionInfo()).config.retentionSeconds).toBe(3600);
      const info = await sm.update({
        metadata: { plan: 'pro', channel: null },
        retentionSeconds: null,
      });
      expect(info.metadata).toEqual({ plan: 'pro' });
      expect(info.config.retentionSeconds).toBeNull();
      expect(await sm.getSessionInfo()).toEqual(info);
      await expect(sm.update({ retentionSeconds: 0 })).rejects.toMatchObject({
        issues: [{ path: 'retentionSeconds', rule: expect.any(String) }],
      });
      await expect(sm.update({})).rejects.toThrow(/at least one of metadata, retentionSeconds/);
      expect(await sm.getSessionInfo()).toEqual(info);
    });

    it('lists the summaries that landed, with kind, covered range, tokens and cost, a page at a time', async () => {
      const rt = runtime();
      const sm = new SessionManager({
        sessionId: id('summaries'),
        runtime: rt,
        infiniteContext: true,
        maxTurnsPerSegment: 2,
      });
      expect(await sm.getSummaries()).toEqual({
        summaries: [],
        page: { limit: 100, nextAfter: null },
      });
      for (let i = 0; i < 3; i++) {
        await sm.userSays(`Add item ${i} to order ORD-77.`);
        await sm.aiResponds(`Item ${i} added to ORD-77.`);
      }
      await sm.userSays('That is all.');
      await sm.settle();
      await rt.idle();
      const all = await sm.getSummaries();
      expect(all.page).toEqual({ limit: 100, nextAfter: null });
      expect(all.summaries.map((s) => [s.kind, s.segmentIndex, s.toSeq])).toEqual(
        expect.arrayContaining([['extractive', 2, 6]]),
      );
      const chain = await sm.getChain();
      // Each landed summary is the one its segment of the chain holds.
      for (const summary of all.summaries) {
        const segment = chain[summary.segmentIndex]!.summary!;
        expect(summary).toMatchObject({
          segmentId: segment.segmentId,
          fromSeq: segment.fromSeq,
          toSeq: segment.coversToSeq,
          contextTokens: segment.contextTokens,
          costNano: segment.costNano,
          model: null,
        });
      }
      expect(all.summaries[0]!.fromSeq).toBe(0);
      const first = await sm.getSummaries({ limit: 1 });
      expect(first.summaries).toEqual(all.summaries.slice(0, 1));
      const rest = await sm.getSummaries({ after: first.page.nextAfter! });
      expect([...first.summaries, ...rest.summaries]).toEqual(all.summaries);
      const tooMany = await sm.getSummaries({ limit: 101 }).catch((e: unknown) => e);
      expect(tooMany).toBeInstanceOf(ValidationError);
      expect(String((tooMany as Error).message)).toMatch(/options\.limit/);
    });

    it('lets a watcher hear the turns applied, the segment sealed and its summary landed', async () => {
      const rt = runtime();
      const sm = new SessionManager({
        sessionId: id('watch'),
        runtime: rt,
        infiniteContext: true,
        maxTurnsPerSegment: 2,
      });
      await sm.userSays('Reserve room 12 for May 3.');
      await sm.settle();
      const stop = new AbortController();
      const heard: SessionChange[] = [];
      const listening = (async () => {
        for await (const change of await sm.watch({
          signal: stop.signal,
          pollMinMs: 5,
          pollMaxMs: 20,
        }))
          heard.push(change);
      })();
      await sm.aiResponds('Room 12 is yours for May 3.');
      await sm.userSays('And a late checkout.');
      await sm.settle();
      await rt.idle();
      const deadline = Date.now() + 10_000;
      while (!heard.some((c) => c.type === 'summary.landed') && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10));
      stop.abort();
      await listening;
      const applied = heard.flatMap((c) => (c.type === 'events.applied' ? [c] : []));
      // The watch starts from the state it first reads (seq 1 applied, or more if the next event
      // landed meanwhile on a queue): what it reports after that follows on without a gap.
      expect(applied[0]!.fromSeq).toBeGreaterThanOrEqual(1);
      for (let i = 1; i < applied.length; i++)
        expect(applied[i]!.fromSeq).toBe(applied[i - 1]!.toSeq);
      expect(applied.at(-1)!.toSeq).toBe(3);
      expect(heard.map((c) => c.type)).toEqual(
        expect.arrayContaining(['events.applied', 'segment.sealed', 'summary.landed']),
      );
      const landed = heard.find((c) => c.type === 'summary.landed');
      expect(landed).toMatchObject({ summary: { segmentIndex: 0, kind: 'extractive', toSeq: 2 } });
    });

    it('refuses to reopen a session with a different config, naming the option, and writes nothing', async () => {
      const rt = runtime();
      const sessionId = id('reopen');
      const first = new SessionManager({ sessionId, runtime: rt, tokenThreshold: 1500 });
      await first.userSays('one');
      await first.settle();
      const same = new SessionManager({ sessionId, runtime: rt, tokenThreshold: 1500 });
      await same.userSays('two');
      const other = new SessionManager({ sessionId, runtime: rt, tokenThreshold: 3000 });
      const error = await other.userSays('three').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(String((error as Error).message)).toMatch(
        /options\.tokenThreshold: the session exists with tokenThreshold 1500/,
      );
      await same.settle();
      expect((await same.getConversation()).map((e) => e.content)).toEqual(['one', 'two']);
    });

    it('gives the context in each provider format: the same turns, system apart, tool calls paired, roles alternating', async () => {
      const sm = new SessionManager({
        sessionId: id('formats'),
        runtime: runtime(),
        systemPrompt: 'You are a support agent.',
      });
      await sm.userSays('My order ORD-5512 has not arrived.');
      await sm.userSays('It was due on March 3.');
      await sm.toolUsed('lookup_order', { orderId: 'ORD-5512' }, { status: 'in_transit' });
      await sm.toolUsed('carrier_status', { tracking: 'JD01' }, null, 'carrier API timed out');
      await sm.aiResponds('It is in transit; the carrier does not answer yet.');
      await sm.userSays('Thanks.');

      const openai = await sm.getContextWindow();
      expect(await sm.getContextWindow({ format: 'openai' })).toEqual(openai);
      expect(await sm.getMessagesForLlm()).toEqual(openai.messages);
      expect(openai.report).toMatchObject({
        tokenCount: 'exact',
        stablePrefixMessages: 1,
        stablePrefixTokens: openai.report.system,
      });

      const anthropic = await sm.getContextWindow({ format: 'anthropic' });
      expect(anthropic.report).toMatchObject({ tokenCount: 'estimated', used: openai.report.used });
      expect(anthropic.system).toEqual([
        { type: 'text', text: 'You are a support agent.', cache_control: { type: 'ephemeral' } },
      ]);
      expect(anthropic.messages.map((m) => m.role)).toEqual([
        'user',
        'assistant',
        'user',
        'assistant',
        'user',
        'assistant',
        'user',
      ]);
      expect(anthropic.messages[0]!.content).toHaveLength(2);
      const blocks = anthropic.messages.flatMap((m) => m.content);
      const uses = blocks.flatMap((b) => (b.type === 'tool_use' ? [b.id] : []));
      expect(blocks.flatMap((b) => (b.type === 'tool_result' ? [b.tool_use_id] : []))).toEqual(
        uses,
      );
      expect(blocks.find((b) => b.type === 'tool_result' && b.is_error)).toMatchObject({
        content: 'carrier API timed out',
      });
      const { report: _report, ...anthropicBody } = anthropic;
      expect(await sm.getMessagesForLlm({ format: 'anthropic' })).toEqual(anthropicBody);

      const gemini = await sm.getContextWindow({ format: 'gemini' });
      expect(gemini.systemInstruction).toEqual({ parts: [{ text: 'You are a support agent.' }] });
      expect(gemini.contents.map((c) => c.role)).toEqual([
        'user',
        'model',
        'user',
        'model',
        'user',
        'model',
        'user',
      ]);
      expect(gemini.contents[4]!.parts[0]).toEqual({
        functionResponse: { name: 'carrier_status', response: { error: 'carrier API timed out' } },
      });

      const responses = await sm.getMessagesForLlm({ format: 'responses' });
      expect(responses.instructions).toBe('You are a support agent.');
      expect(responses.input.map((item) => ('type' in item ? item.type : item.role))).toEqual([
        'user',
        'user',
        'function_call',
        'function_call_output',
        'function_call',
        'function_call_output',
        'assistant',
        'user',
      ]);
    });

    it('refuses an unknown format, naming the option and the formats it takes', async () => {
      const sm = new SessionManager({ sessionId: id('bad-format'), runtime: runtime() });
      await sm.userSays('hello');
      const error = await sm
        .getContextWindow({ format: 'claude' as 'anthropic' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(String((error as Error).message)).toMatch(
        /options\.format: expected one of "openai", "anthropic", "gemini", "responses"/,
      );
    });

    it('reads the conversation in pages by seq cursor, back from the newest and forward again', async () => {
      const sm = new SessionManager({ sessionId: id('pages'), runtime: runtime() });
      for (let i = 0; i < 7; i++) {
        await sm.userSays(`question ${i}`);
        await sm.toolUsed('search', { q: i }, { hits: i });
        await sm.aiResponds(`answer ${i}`);
      }
      const newest = await sm.getConversationPage({ limit: 4 });
      expect(newest.entries.map((e) => e.content)).toEqual([
        'question 5',
        'answer 5',
        'question 6',
        'answer 6',
      ]);
      expect(newest.page.newerAfter).toBeNull();
      const older = await sm.getConversationPage({ limit: 4, before: newest.page.olderBefore! });
      expect(older.entries.map((e) => e.content)).toEqual([
        'question 3',
        'answer 3',
        'question 4',
        'answer 4',
      ]);
      // And forward again from where that page ends: the page first read.
      const next = await sm.getConversationPage({ limit: 4, after: older.page.newerAfter! });
      expect(next.entries).toEqual(newest.entries);
      // Every entry once, walking back to the start.
      const seen = [...newest.entries];
      let cursor = newest.page.olderBefore;
      while (cursor !== null) {
        const page = await sm.getConversationPage({ limit: 3, before: cursor });
        seen.unshift(...page.entries);
        cursor = page.page.olderBefore;
      }
      expect(seen.map((e) => e.content)).toEqual(
        (await sm.getConversation()).map((e) => e.content),
      );
      const withTools = await sm.getConversationPage({ limit: 2, includeTools: true });
      expect(withTools.entries.map((e) => e.role)).toEqual(['tool', 'assistant']);
      const both = await sm.getConversationPage({ after: 1, before: 5 }).catch((e: unknown) => e);
      expect(both).toBeInstanceOf(ValidationError);
      expect(String((both as Error).message)).toMatch(
        /options\.before: give after .* or before .*, not both/,
      );
    });

    it('stops a page after limit × 8 events, its cursor going on from there (bounded among tool calls)', async () => {
      const sm = new SessionManager({ sessionId: id('scan'), runtime: runtime() });
      await sm.userSays('Run the checks.');
      for (let i = 0; i < 20; i++) await sm.toolUsed('check', { i }, { ok: true });
      await sm.aiResponds('All 20 passed.');
      const newest = await sm.getConversationPage({ limit: 1 });
      expect(newest.entries.map((e) => e.content)).toEqual(['All 20 passed.']);
      expect(newest.page.olderBefore).toBe(21);
      const scanned = await sm.getConversationPage({ limit: 1, before: 21 });
      expect(scanned).toEqual({ entries: [], page: { limit: 1, olderBefore: 13, newerAfter: 20 } });
      let page = scanned;
      while (page.entries.length === 0 && page.page.olderBefore !== null)
        page = await sm.getConversationPage({ limit: 1, before: page.page.olderBefore });
      expect(page.entries.map((e) => e.content)).toEqual(['Run the checks.']);
      expect(page.page.olderBefore).toBeNull();
    });
  });
}
