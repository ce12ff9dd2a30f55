import { describe, expect, it } from 'vitest';
import { checkPlacement } from './check-placement.ts';
import {
  ARTIFACT_CATEGORIES,
  DOMAINS,
  FACT_CATEGORIES,
  type Conversation,
} from './conversation.ts';
import { generateConversation, LENGTHS } from './generate-conversation.ts';
import { containsValue } from './normalize.ts';
import { wordCount } from './prose.ts';

const SEEDS = [1, 2, 3, 4, 5, 6];
const corpus: Conversation[] = DOMAINS.flatMap((domain) =>
  SEEDS.map((seed) => generateConversation({ domain, seed })),
);

/** Every text of a conversation a value could be read from, with where it is. */
function texts(c: Conversation): Array<{ index: number; where: string; text: string }> {
  return c.events.flatMap((e, index) =>
    e.type === 'tool'
      ? [
          { index, where: 'arguments', text: JSON.stringify(e.arguments) },
          { index, where: 'result', text: JSON.stringify(e.result) },
          { index, where: 'error', text: e.error ?? '' },
        ]
      : [{ index, where: e.type, text: e.content }],
  );
}

describe('generateConversation', () => {
  it('gives the same conversation for the same seed, and another for another seed', () => {
    for (const domain of DOMAINS) {
      const a = generateConversation({ domain, seed: 42 });
      expect(generateConversation({ domain, seed: 42 })).toEqual(a);
      expect(generateConversation({ domain, seed: 43 }).events).not.toEqual(a.events);
    }
  });

  it('writes 60 to 300 turns by default and ends with an open user request', () => {
    for (const c of corpus) {
      expect(c.turns).toBeGreaterThanOrEqual(60);
      expect(c.turns).toBeLessThanOrEqual(300);
      expect(c.turns).toBe(c.events.filter((e) => e.type !== 'tool').length);
      expect(c.events.at(-1)?.type).toBe('user');
    }
    const short = generateConversation({ domain: 'travel', seed: 9, minTurns: 30, maxTurns: 50 });
    expect(short.turns).toBeGreaterThanOrEqual(30);
    expect(short.turns).toBeLessThanOrEqual(50);
  });

  it('keeps messages within realistic lengths (the short "let me check" before a tool call aside)', () => {
    for (const c of corpus) {
      c.events.forEach((e, i) => {
        if (e.type === 'user') {
          expect(wordCount(e.content), e.content).toBeGreaterThanOrEqual(LENGTHS.user.min);
          expect(wordCount(e.content), e.content).toBeLessThanOrEqual(LENGTHS.user.max);
        } else if (e.type === 'assistant') {
          const checking = c.events[i + 1]?.type === 'tool';
          const { min, max } = checking ? LENGTHS.checking : LENGTHS.assistant;
          expect(wordCount(e.content), e.content).toBeGreaterThanOrEqual(min);
          expect(wordCount(e.content), e.content).toBeLessThanOrEqual(max);
        }
      });
    }
  });

  it('makes agent-style tool calls: announced, JSON of 100 B to 8 KB, some failing, then an answer', () => {
    let failures = 0;
    let largest = 0;
    let nestedLists = 0;
    for (const c of corpus) {
      c.events.forEach((e, i) => {
        if (e.type !== 'tool') return;
        let before = i - 1;
        while (c.events[before]?.type === 'tool') before--;
        expect(c.events[before]?.type).toBe('assistant');
        let after = i + 1;
        while (c.events[after]?.type === 'tool') after++;
        expect(c.events[after]?.type).toBe('assistant');
        if (e.error) {
          failures++;
          expect(e.result).toBeNull();
          return;
        }
        const bytes = JSON.stringify(e.result).length;
        largest = Math.max(largest, bytes);
        expect(bytes).toBeGreaterThanOrEqual(LENGTHS.toolResult.min);
        expect(bytes).toBeLessThanOrEqual(LENGTHS.toolResult.max + 200);
        if (/\[\{[^\]]*\[\{/.test(JSON.stringify(e.result))) nestedLists++;
      });
    }
    expect(failures).toBeGreaterThan(0);
    expect(largest).toBeGreaterThan(4000);
    expect(nestedLists).toBeGreaterThan(0);
  });

  it('writes markdown lists, and code blocks in coding conversations', () => {
    const assistant = (c: Conversation) =>
      c.events.flatMap((e) => (e.type === 'assistant' ? [e.content] : []));
    expect(corpus.some((c) => assistant(c).some((t) => /^(- |1\. )/m.test(t)))).toBe(true);
    const coding = corpus.filter((c) => c.domain === 'coding');
    expect(coding.every((c) => assistant(c).some((t) => t.includes('```')))).toBe(true);
  });

  it('plants facts, artifacts and revised decisions with values unique in the conversation', () => {
    for (const c of corpus) {
      expect(c.facts.length).toBeGreaterThanOrEqual(3);
      expect(c.artifacts.length).toBeGreaterThanOrEqual(2);
      expect(c.decisions.length).toBeGreaterThanOrEqual(1);
      const values = [
        ...c.facts.map((f) => f.value),
        ...c.artifacts.map((a) => a.value),
        ...c.decisions.flatMap((d) => [d.oldValue, d.newValue]),
      ].map((v) => v.toLowerCase());
      expect(new Set(values).size).toBe(values.length);
    }
    const facts = new Set(corpus.flatMap((c) => c.facts.map((f) => f.category)));
    expect([...facts].sort()).toEqual([...FACT_CATEGORIES].sort());
    const artifacts = new Set(corpus.flatMap((c) => c.artifacts.map((a) => a.category)));
    expect([...artifacts].sort()).toEqual([...ARTIFACT_CATEGORIES].sort());
  });

  it('puts each fact in one user message only', () => {
    for (const c of corpus)
      for (const fact of c.facts) {
        const where = texts(c).filter((t) => containsValue(t.text, fact.value));
        expect(where).toEqual([
          { index: fact.eventIndex, where: 'user', text: expect.any(String) },
        ]);
      }
  });

  it('puts each artifact only in the result of its tool call, deep in lists, referred to later without it', () => {
    let deep = 0;
    for (const c of corpus)
      for (const artifact of c.artifacts) {
        const where = texts(c).filter((t) => containsValue(t.text, artifact.value));
        expect(where.map((w) => [w.index, w.where])).toEqual([[artifact.eventIndex, 'result']]);
        expect(artifact.referencedAt.length).toBeGreaterThan(0);
        for (const at of artifact.referencedAt) {
          expect(at).toBeGreaterThan(artifact.eventIndex);
          expect(c.events[at]?.type).toBe('user');
        }
        if ((artifact.recordIndex ?? 0) > 2 && artifact.resultBytes > 1000) deep++;
      }
    expect(deep).toBeGreaterThan(0);
  });

  it('revises every decision later, with the old and new values exactly where listed', () => {
    for (const c of corpus)
      for (const d of c.decisions) {
        expect(d.revisedAt).toBeGreaterThan(d.decidedAt);
        expect(d.oldMentions).toContain(d.decidedAt);
        expect(d.newMentions).toContain(d.revisedAt);
        expect(d.newMentions.every((i) => i >= d.revisedAt)).toBe(true);
        const old = texts(c).filter((t) => containsValue(t.text, d.oldValue));
        expect(new Set(old.map((t) => t.index))).toEqual(new Set(d.oldMentions));
        const next = texts(c).filter((t) => containsValue(t.text, d.newValue));
        expect(new Set(next.map((t) => t.index))).toEqual(new Set(d.newMentions));
      }
  });

  it('passes its own placement check, which does catch a value moved elsewhere', () => {
    for (const c of corpus) expect(checkPlacement(c)).toEqual([]);
    const c = corpus[0]!;
    const artifact = c.artifacts[0]!;
    const leaked = {
      ...c,
      events: c.events.map((e, i) =>
        i === artifact.referencedAt[0] && e.type === 'user'
          ? { ...e, content: `${e.content} (${artifact.value})` }
          : e,
      ),
    };
    expect(checkPlacement(leaked)).toEqual([expect.stringContaining(`artifact ${artifact.id}`)]);
    const fact = c.facts[0]!;
    const echoed = {
      ...c,
      events: [...c.events, { type: 'assistant' as const, content: `Noted: ${fact.value}.` }],
    };
    expect(checkPlacement(echoed)).toEqual([expect.stringContaining(`fact ${fact.id}`)]);
  });
});
