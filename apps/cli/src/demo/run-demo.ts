import { SessionManager, type Runtime } from '@threadline/sdk';
import { ProgressBar } from '../progress-bar.ts';
import { renderSessionReport } from '../session-report.ts';
import { DEMO_CONVERSATIONS, type DemoConversation, type DemoStep } from './demo-conversations.ts';

async function play(sm: SessionManager, step: DemoStep): Promise<void> {
  switch (step.kind) {
    case 'user':
      await sm.userSays(step.text);
      return;
    case 'assistant':
      await sm.aiResponds(step.text, { model: step.model, provider: 'openai', usage: step.usage });
      return;
    case 'tool':
      await sm.toolUsed(step.tool, step.args, step.result, step.error);
      return;
    case 'prompt':
      await sm.updateSystemPrompt(step.text);
      return;
  }
}

/**
 * Plays the scripted conversations into `runtime` side by side, waits for the background
 * summaries, and prints each session's chain, summaries, stats and next context.
 */
export async function runDemo(
  runtime: Runtime,
  out: (line: string) => void = console.log,
): Promise<void> {
  const runId = Date.now().toString(36);
  const conversations: DemoConversation[] = DEMO_CONVERSATIONS.map((c) => ({
    ...c,
    sessionId: `${c.sessionId}-${runId}`,
  }));
  const total = conversations.reduce((n, c) => n + c.steps.length, 0);
  const bar = new ProgressBar('recording events', total);
  const managers = conversations.map(
    (c) =>
      new SessionManager({
        runtime,
        sessionId: c.sessionId,
        systemPrompt: c.systemPrompt,
        infiniteContext: true,
        maxTurnsPerSegment: c.maxTurnsPerSegment,
        tokenThreshold: c.tokenThreshold,
        summaryMaxTokens: 160,
      }),
  );
  // The conversations run side by side, each in its own order, like real chats.
  await Promise.all(
    conversations.map(async (c, i) => {
      for (const step of c.steps) {
        await play(managers[i]!, step);
        bar.tick();
      }
    }),
  );
  bar.finish();
  out('waiting for background summaries…');
  await runtime.idle();
  for (const sm of managers) {
    const [chain, stats, window] = await Promise.all([
      sm.getChain(),
      sm.getStats({ allSegments: true }),
      sm.getContextWindow({ budget: 2000 }),
    ]);
    out('');
    out(
      renderSessionReport({
        sessionId: sm.sessionId,
        chain,
        stats,
        messages: window.messages,
        contextTokens: window.report.used,
      }),
    );
  }
}
