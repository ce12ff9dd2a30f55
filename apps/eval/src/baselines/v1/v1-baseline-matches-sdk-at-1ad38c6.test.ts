// Proves that the frozen v1 simulator is today's pipeline: on this branch (code of commit
// 1ad38c6) it gives exactly the SDK's contexts. Once the SDK's context assembly, seal rule or
// summarizer change, this test no longer holds by design: adapt it or drop this file.
import { describe, expect, it } from 'vitest';
import { defaultTokenCounter } from '@threadline/core';
import { DOMAINS } from '../../generator/conversation.ts';
import { generateConversation } from '../../generator/generate-conversation.ts';
import type { SessionSettings } from '../../methods/context-source.ts';
import { SdkSource } from '../../methods/sdk-source.ts';
import { toV1Event } from '../../methods/v1-source.ts';
import { V1_DEFAULTS, V1Simulator } from './v1-simulator.ts';

const SETTINGS: Array<{ name: string; settings: SessionSettings }> = [
  {
    name: 'threshold 1000, cap 200',
    settings: { tokenThreshold: 1000, summaryMaxTokens: 200, maxTurnsPerSegment: 1000 },
  },
  {
    name: 'threshold 2000, cap 800',
    settings: { tokenThreshold: 2000, summaryMaxTokens: 800, maxTurnsPerSegment: 1000 },
  },
  { name: 'the SDK defaults', settings: {} },
];
const BUDGETS = [1000, 3000, 8000];

describe('the v1 baseline simulator at 1ad38c6', () => {
  for (const { name, settings } of SETTINGS) {
    it(`gives the SDK's context after every event (${name})`, async () => {
      await defaultTokenCounter.prepare([V1_DEFAULTS.defaultModel]);
      let compared = 0;
      let seals = 0;
      let withSummary = 0;
      for (const [d, domain] of DOMAINS.entries()) {
        const conversation = generateConversation({
          domain,
          seed: 100 + d,
          minTurns: 40,
          maxTurns: 70,
        });
        const sdk = new SdkSource(conversation, settings);
        const simulator = new V1Simulator(
          {
            systemPrompt: conversation.systemPrompt,
            tokenThreshold: settings.tokenThreshold ?? V1_DEFAULTS.tokenThreshold,
            maxTurnsPerSegment: settings.maxTurnsPerSegment ?? V1_DEFAULTS.maxTurnsPerSegment,
            summaryMaxTokens: settings.summaryMaxTokens ?? V1_DEFAULTS.summaryMaxTokens,
            model: V1_DEFAULTS.defaultModel,
          },
          defaultTokenCounter,
        );
        for (const [i, event] of conversation.events.entries()) {
          const chain = await sdk.record(event);
          simulator.add(toV1Event(event, sdk.eventIds[i]!));
          expect(simulator.segments, `segments after event ${i}`).toBe(chain);
          for (const budget of BUDGETS) {
            const { messages, report } = await sdk.manager.getContextWindow({ budget });
            const v1 = simulator.context(budget);
            expect(v1.messages, `${conversation.id} event ${i} budget ${budget}`).toEqual(messages);
            expect(v1.used).toBe(report.used);
            expect(v1.summaryCoversToSeq).toBe(report.summaryCoversToSeq);
            compared++;
            if (report.summaryCoversToSeq > 0) withSummary++;
          }
        }
        seals += simulator.segments - 1;
        await sdk.close();
      }
      // The comparison covered summaries, not only the first segment.
      expect(compared).toBeGreaterThan(100);
      expect(seals).toBeGreaterThan(4);
      expect(withSummary).toBeGreaterThan(compared / 4);
    });
  }
});
