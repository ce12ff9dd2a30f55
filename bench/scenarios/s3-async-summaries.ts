import { getBufferString, type BaseMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { RedisChatMessageHistory } from '@langchain/redis';
import { Tiktoken } from 'js-tiktoken/lite';
import o200k from 'js-tiktoken/ranks/o200k_base';
import { ConversationSummaryBufferMemory } from 'langchain/memory';
import type { ChatMessage } from '@threadline/core';
import { RedisRuntime, SessionManager } from '@threadline/sdk';
import { startFakeLlm, summarizeRequest, type FakeLlm } from '@threadline/testing';
import { startBenchRedis, type BenchRedis } from '../lib/bench-redis.ts';
import { seededRandom, textOf } from '../lib/fixtures.ts';
import { ENTRIES, startNodeProcess, type BenchProcess } from '../lib/processes.ts';
import { Progress } from '../lib/progress.ts';
import type {
  Scenario,
  ScenarioContext,
  ScenarioResult,
  TargetResult,
} from '../lib/report-types.ts';
import { fmt, fmtSpread, percentile, spread } from '../lib/stats.ts';

const LLM_LATENCY_MS = 2000;
/** Tokens of conversation kept verbatim before summarizing: tokenThreshold for us, maxTokenLimit for LangChain. */
const TOKEN_LIMIT = 700;
const MODEL = 'gpt-4o-mini';
const SYSTEM_PROMPT = 'You are a concise assistant for travel and operations planning.';

const encoder = new Tiktoken(o200k);
const countTokens = (text: string) => encoder.encode(text, [], []).length;

/**
 * ChatOpenAI as shipped, with one change: `getNumTokens` counts with js-tiktoken's bundled
 * o200k_base ranks (the encoding LangChain would pick for gpt-4o-mini) instead of fetching the
 * rank file from the internet, which this machine cannot reach (LangChain would then fall back
 * to length / 4). Everything else, the summarizing included, is LangChain's code.
 */
class OfflineTokenChatOpenAI extends ChatOpenAI {
  override async getNumTokens(content: Parameters<ChatOpenAI['getNumTokens']>[0]): Promise<number> {
    const text =
      typeof content === 'string'
        ? content
        : content
            .map((part) =>
              typeof part === 'string' ? part : 'text' in part ? String(part.text) : '',
            )
            .join('');
    return countTokens(text);
  }
}

/** LangChain's memory, counting its summary calls (behaviour unchanged). */
class CountingSummaryBufferMemory extends ConversationSummaryBufferMemory {
  summaries = 0;
  override async predictNewSummary(
    messages: BaseMessage[],
    existingSummary: string,
  ): Promise<string> {
    this.summaries++;
    return super.predictNewSummary(messages, existingSummary);
  }
}

/** The fake LLM's answer for both systems: every "Fact N: …." sentence it was given, so that facts survive summaries. */
function factKeepingReply(request: Parameters<typeof summarizeRequest>[0]): string {
  const text = request.messages
    .map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? '')))
    .join('\n');
  const facts = [...new Set(text.match(/Fact \d+: [^.\n]*\./g) ?? [])];
  return facts.length
    ? `The user gave these facts, which still hold: ${facts.join(' ')}`
    : summarizeRequest(request);
}

interface Turn {
  user: string;
  assistant: string;
  fact: string;
}

function script(conversation: number, turns: number, seed: number): Turn[] {
  const rand = seededRandom(seed + conversation * 7919);
  return Array.from({ length: turns }, (_, t) => {
    const fact = `Fact ${t + 1}: booking ${conversation}-${t + 1} has reference ZX${1000 + conversation * 100 + t} for ${2 + (t % 5)} travellers`;
    return {
      fact,
      user: `${fact}. ${textOf(rand, 180 + Math.floor(rand() * 200))}`,
      assistant: textOf(rand, 420 + Math.floor(rand() * 380)),
    };
  });
}

interface TurnSample {
  system: 'threadline' | 'threadline-fastpoll' | 'langchain';
  run: number;
  conversation: number;
  turn: number;
  ms: number;
  triggeredSummary: boolean;
  containsMessage: boolean;
  allFacts: boolean;
}

interface ConversationEnd {
  system: TurnSample['system'];
  run: number;
  contextTokens: number;
  summaryCalls: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const textOfMessages = (messages: ChatMessage[]) =>
  messages.map((m) => (typeof m.content === 'string' ? m.content : '')).join('\n');

async function threadlineConversation(
  runtime: RedisRuntime,
  system: TurnSample['system'],
  run: number,
  c: number,
  turns: Turn[],
  gapMs: number,
): Promise<{ samples: TurnSample[]; end: ConversationEnd }> {
  const sm = new SessionManager({
    runtime,
    sessionId: `${system}-r${run}-c${c}`,
    systemPrompt: SYSTEM_PROMPT,
    infiniteContext: true,
    tokenThreshold: TOKEN_LIMIT,
    maxTurnsPerSegment: 1000,
    defaultModel: MODEL,
  });
  const key = { tenant: runtime.tenant, sessionId: sm.sessionId };
  const samples: TurnSample[] = [];
  for (let t = 0; t < turns.length; t++) {
    const turn = turns[t]!;
    const before = t === 0 ? 0 : (await runtime.reader.session(key)).session.context.open.index;
    const t0 = performance.now();
    await sm.userSays(turn.user);
    await sm.aiResponds(turn.assistant, { model: MODEL });
    const messages = await sm.getMessagesForLlm();
    const ms = performance.now() - t0;
    const after = (await runtime.reader.session(key)).session.context.open.index;
    const text = textOfMessages(messages);
    samples.push({
      system,
      run,
      conversation: c,
      turn: t + 1,
      ms,
      triggeredSummary: after > before,
      containsMessage: messages.some((m) => m.role === 'user' && m.content === turn.user),
      allFacts: turns.slice(0, t + 1).every((x) => text.includes(x.fact)),
    });
    await sleep(gapMs);
  }
  const window = await sm.getContextWindow();
  const stats = await sm.getStats({ allSegments: true });
  return {
    samples,
    end: {
      system,
      run,
      contextTokens: window.report.used,
      summaryCalls: stats.summaries.made + stats.summaries.pending,
    },
  };
}

async function langchainConversation(
  redisUrl: string,
  llmUrl: string,
  run: number,
  c: number,
  turns: Turn[],
  gapMs: number,
): Promise<{ samples: TurnSample[]; end: ConversationEnd; history: RedisChatMessageHistory }> {
  const llm = new OfflineTokenChatOpenAI({
    model: MODEL,
    temperature: 0,
    apiKey: 'bench-not-a-key',
    configuration: { baseURL: llmUrl },
  });
  const history = new RedisChatMessageHistory({
    sessionId: `lc-r${run}-c${c}`,
    config: { url: redisUrl },
  });
  const memory = new CountingSummaryBufferMemory({
    llm,
    chatHistory: history,
    maxTokenLimit: TOKEN_LIMIT,
    returnMessages: true,
  });
  const samples: TurnSample[] = [];
  let lastText = '';
  for (let t = 0; t < turns.length; t++) {
    const turn = turns[t]!;
    const before = memory.summaries;
    const t0 = performance.now();
    await memory.saveContext({ input: turn.user }, { output: turn.assistant });
    const vars = await memory.loadMemoryVariables({});
    const ms = performance.now() - t0;
    const messages = vars['history'] as BaseMessage[];
    const text = messages
      .map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)))
      .join('\n');
    lastText = getBufferString(messages);
    samples.push({
      system: 'langchain',
      run,
      conversation: c,
      turn: t + 1,
      ms,
      triggeredSummary: memory.summaries > before,
      containsMessage: messages.some((m) => m.getType() === 'human' && m.content === turn.user),
      allFacts: turns.slice(0, t + 1).every((x) => text.includes(x.fact)),
    });
    await sleep(gapMs);
  }
  return {
    samples,
    end: {
      system: 'langchain',
      run,
      contextTokens: countTokens(lastText),
      summaryCalls: memory.summaries,
    },
    history,
  };
}

async function run(ctx: ScenarioContext): Promise<ScenarioResult> {
  const t0 = performance.now();
  const runs = ctx.quick ? 1 : 3;
  const conversations = ctx.quick ? 2 : 4;
  const turnsPer = ctx.quick ? 8 : 12;
  const gapMs = ctx.quick ? 150 : 300;
  const progress = new Progress(
    'scenario 3 (async summaries vs LangChain)',
    runs * 3 * conversations,
  );
  let redis: BenchRedis | null = null;
  let llm: FakeLlm | null = null;
  const procs: BenchProcess[] = [];
  const samples: TurnSample[] = [];
  const ends: ConversationEnd[] = [];
  const warmups: Array<{ system: string; run: number; ms: number }> = [];
  try {
    redis = await startBenchRedis();
    llm = await startFakeLlm({ latencyMs: LLM_LATENCY_MS, reply: factKeepingReply, seed: 3 });
    const env = { REDIS_URL: redis.url, THREADLINE_PREFIX: 'tl', THREADLINE_PARTITIONS: '16' };
    procs.push(
      await startNodeProcess(ENTRIES.sessionWorker, env, 'session worker serving partitions'),
    );
    procs.push(
      await startNodeProcess(
        ENTRIES.summarizer,
        {
          ...env,
          THREADLINE_LLM_BASE_URL: llm.url,
          THREADLINE_LLM_MODEL: MODEL,
          THREADLINE_LLM_TIMEOUT_MS: '20000',
        },
        'summarizer consuming',
      ),
    );
    for (let r = 0; r < runs; r++) {
      const scripts = Array.from({ length: conversations }, (_, c) => script(c, turnsPer, 31 + r));
      // Ours, as the SDK ships (read-your-writes checks after 1, 2, 3 … ms, then every 10 ms),
      // then with `waitPollMs: 2` (checks after 1 ms, then every 2 ms).
      for (const [system, waitPollMs] of [
        ['threadline', undefined],
        ['threadline-fastpoll', 2],
      ] as const) {
        progress.note(`run ${r + 1}/${runs}: ${system}`);
        const runtime = new RedisRuntime({
          url: redis.url,
          tenant: 'bench',
          topology: { prefix: 'tl', partitions: 16 },
          ...(waitPollMs ? { waitPollMs } : {}),
        });
        // Warm-up, untimed: the first session a process opens loads the tokenizer ranks (to count
        // the system prompt) and the connections; a platform pays that once per process.
        const w0 = performance.now();
        const warm = new SessionManager({
          runtime,
          sessionId: `warmup-${system}-r${r}`,
          systemPrompt: SYSTEM_PROMPT,
          infiniteContext: true,
          tokenThreshold: TOKEN_LIMIT,
        });
        await warm.userSays('Warm-up.');
        await warm.getMessagesForLlm();
        warmups.push({ system, run: r, ms: performance.now() - w0 });
        const outs = await Promise.all(
          scripts.map((turns, c) =>
            threadlineConversation(runtime, system, r, c, turns, gapMs).then((o) => {
              progress.tick(1);
              return o;
            }),
          ),
        );
        for (const o of outs) {
          samples.push(...o.samples);
          ends.push(o.end);
        }
        await runtime.idle(120_000);
        await runtime.close();
      }
      progress.note(`run ${r + 1}/${runs}: LangChain.js ConversationSummaryBufferMemory`);
      const outs = await Promise.all(
        scripts.map((turns, c) =>
          langchainConversation(redis!.url, llm!.url, r, c, turns, gapMs).then((o) => {
            progress.tick(1);
            return o;
          }),
        ),
      );
      for (const o of outs) {
        samples.push(...o.samples);
        ends.push(o.end);
      }
      for (const client of new Set(outs.map((o) => o.history.client))) {
        client.on('error', () => undefined);
        if (client.isOpen) await client.quit().catch(() => undefined);
      }
    }
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await llm?.close();
    await redis?.stop();
  }
  progress.finish();
  return report(
    ctx,
    samples,
    ends,
    warmups,
    runs,
    conversations,
    turnsPer,
    gapMs,
    (performance.now() - t0) / 1000,
  );
}

function report(
  ctx: ScenarioContext,
  samples: TurnSample[],
  ends: ConversationEnd[],
  warmups: Array<{ system: string; run: number; ms: number }>,
  runs: number,
  conversations: number,
  turnsPer: number,
  gapMs: number,
  seconds: number,
): ScenarioResult {
  const systems = ['threadline', 'threadline-fastpoll', 'langchain'] as const;
  const label = {
    threadline:
      'Threadline (SDK defaults: read-your-writes checks after 1, 2, 3 … ms, at most 10 ms apart)',
    'threadline-fastpoll': 'Threadline, `waitPollMs: 2` (checks at most 2 ms apart)',
    langchain: 'LangChain.js ConversationSummaryBufferMemory + RedisChatMessageHistory',
  };
  const per = (system: string, run: number, filter: (s: TurnSample) => boolean = () => true) =>
    samples.filter((s) => s.system === system && s.run === run && filter(s)).map((s) => s.ms);
  const runIdx = Array.from({ length: runs }, (_, i) => i);
  const stat = (system: string, p: number, filter?: (s: TurnSample) => boolean) =>
    spread(runIdx.map((r) => percentile(per(system, r, filter), p)).filter(Number.isFinite));
  const rows = systems.map((system) => {
    const all = samples.filter((s) => s.system === system);
    const trig = all.filter((s) => s.triggeredSummary);
    const e = ends.filter((x) => x.system === system);
    return [
      label[system],
      fmtSpread(stat(system, 50), 1),
      fmtSpread(stat(system, 99), 1),
      trig.length
        ? `${fmtSpread(
            stat(system, 50, (s) => s.triggeredSummary),
            1,
          )} / ${fmtSpread(
            stat(system, 99, (s) => s.triggeredSummary),
            1,
          )}`
        : 'none',
      `${trig.length} of ${all.length}`,
      fmt(e.reduce((n, x) => n + x.summaryCalls, 0) / Math.max(1, e.length), 1),
      `${all.filter((s) => s.containsMessage).length} of ${all.length}`,
      `${all.filter((s) => s.allFacts).length} of ${all.length}`,
      fmt(spread(e.map((x) => x.contextTokens)).median),
    ];
  });
  const ratios = spread(
    runIdx.map((r) => percentile(per('langchain', r), 99) / percentile(per('threadline', r), 99)),
  );
  const ratiosFast = spread(
    runIdx.map(
      (r) => percentile(per('langchain', r), 99) / percentile(per('threadline-fastpoll', r), 99),
    ),
  );
  const factsOk = (system: string) =>
    samples.filter((s) => s.system === system).every((s) => s.allFacts && s.containsMessage);
  const targets: TargetResult[] = [
    {
      scenario: 3,
      name: 'record → context containing it, p99: LangChain / Threadline',
      target: '≥ 100×',
      measured: `${fmtSpread(ratios, 0)}× (p99 ${fmtSpread(stat('langchain', 99), 0, ' ms')} vs ${fmtSpread(stat('threadline', 99), 1, ' ms')}); with \`waitPollMs: 2\` ${fmtSpread(ratiosFast, 0)}×`,
      met: ratios.median >= 100,
    },
    {
      scenario: 3,
      name: 'same information in context (every fact so far, and the message just recorded, at every turn)',
      target: 'both',
      measured: `Threadline ${factsOk('threadline') ? 'yes' : 'NO'}, LangChain ${factsOk('langchain') ? 'yes' : 'NO'}`,
      met: factsOk('threadline') && factsOk('langchain'),
    },
  ];
  const chartSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: 'Scenario 3: record a turn → a context that contains it',
      subtitle: `fake LLM answering in ${LLM_LATENCY_MS} ms; every turn of every run (log scale); filled = the turn triggered a summary`,
    },
    data: {
      values: samples.map((s) => ({
        system:
          s.system === 'langchain'
            ? 'LangChain.js'
            : s.system === 'threadline'
              ? 'Threadline'
              : 'Threadline, waitPollMs 2',
        turn: s.turn,
        ms: Math.max(0.5, s.ms),
        summary: s.triggeredSummary ? 'triggered a summary' : 'no summary',
      })),
    },
    width: 520,
    height: 280,
    mark: { type: 'point', opacity: 0.7 },
    encoding: {
      x: { field: 'turn', type: 'quantitative', title: 'turn of the conversation' },
      y: { field: 'ms', type: 'quantitative', scale: { type: 'log' }, title: 'ms (log)' },
      color: { field: 'system', type: 'nominal', title: null },
      shape: { field: 'summary', type: 'nominal', title: null },
      fill: {
        condition: {
          test: "datum.summary === 'triggered a summary'",
          field: 'system',
          type: 'nominal',
        },
        value: 'transparent',
      },
    },
  };
  return {
    id: 3,
    title: 'Why asynchronous summaries matter (vs LangChain.js)',
    mode: ctx.quick ? 'quick' : 'full',
    ranAt: new Date().toISOString(),
    seconds,
    method: [
      `${conversations} conversations at once, ${turnsPer} turns each, ${runs} run(s), the same scripted turns for both systems. A turn is a user message (60–90 tokens, opening with a fact: \`Fact N: booking … has reference ZX…\`) and an assistant reply (100–200 tokens); ${gapMs} ms pass between turns (not timed). The timed part of a turn is what a chat platform does before it calls its model: record the turn, then get the context. Threadline: \`sm.userSays()\`, \`sm.aiResponds()\`, \`sm.getMessagesForLlm()\` (which waits for the manager’s own last write: read-your-writes) through the Redis runtime, with a session-worker process and a summarizer process (\`THREADLINE_LLM_BASE_URL\` = the fake); infinite context, \`tokenThreshold\` ${TOKEN_LIMIT}. LangChain: \`memory.saveContext({input}, {output})\` then \`memory.loadMemoryVariables({})\` on \`ConversationSummaryBufferMemory({ maxTokenLimit: ${TOKEN_LIMIT} })\` over \`RedisChatMessageHistory\` (from \`@langchain/redis\`), with \`ChatOpenAI\` pointed at the fake. Both on the scenario’s Redis, both using the same fake OpenAI-compatible LLM answering in ${LLM_LATENCY_MS} ms with every \`Fact N: ….\` sentence it was given (so a summary keeps the facts if the system gives it the facts).`,
      'Installed versions (bench-only devDependencies, exact): `langchain` 0.3.37, `@langchain/core` 0.3.80, `@langchain/openai` 0.6.17, `@langchain/redis` 0.1.4. These are the newest that install and run here: `@langchain/openai` 1.6 (needed by `@langchain/classic`, where LangChain 1.x moved this memory) requires Node ≥ 22, and `@langchain/community` (0.3.x and 1.x, home of the ioredis-based `RedisChatMessageHistory`) cannot be installed in this workspace: it declares `@browserbasehq/stagehand` as a required peer, whose own peer `zod@^3` conflicts with the workspace’s `zod` 4.6.7 (`npm error ERESOLVE … peer zod@"^3.23.8" from @browserbasehq/stagehand@1.14.0 … peer @browserbasehq/stagehand@"^1.0.0" from @langchain/community@0.3.59`). `@langchain/redis` has the same `RedisChatMessageHistory` class (on node-redis instead of ioredis), so the comparison is LangChain’s own code. One change: `ChatOpenAI.getNumTokens` counts with js-tiktoken’s bundled o200k_base instead of downloading the rank file (this machine has no internet; the bench refuses any non-loopback fetch).',
    ],
    tables: [
      {
        title: `Record → context that contains it, ms — median over runs of each run’s percentile (min–max)`,
        columns: [
          'system',
          'p50',
          'p99',
          'turns that triggered a summary: p50 / p99',
          'turns that triggered a summary',
          'summaries per conversation',
          'context had the message just recorded',
          'context had every fact so far',
          'context size at the end (tokens)',
        ],
        rows,
      },
    ],
    targets,
    findings: [
      `Warm-up (untimed, one per runtime): the first session this client process opened took ${fmt(warmups[0]?.ms ?? NaN)} ms, later ones ${fmt(spread(warmups.slice(1).map((w) => w.ms)).median, 1)} ms (median). The first \`openSession\` of a process counts the system prompt’s tokens in the client, which loads the tokenizer’s o200k_base encoding there (gpt-tokenizer, the SDK’s default counter: once per process).`,
    ],
    chart: 's3-async-summaries.svg',
    chartSpec,
    raw: { samples, ends, warmups },
  };
}

export const asyncSummariesScenario: Scenario = {
  id: 3,
  title: 'Why asynchronous summaries matter (vs LangChain.js)',
  run,
};
