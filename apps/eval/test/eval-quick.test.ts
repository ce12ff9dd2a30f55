import { fileURLToPath } from 'node:url';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  aggregate,
  defaultOptions,
  evalMarkdown,
  METHODS,
  runEval,
  runEvalCommand,
  type EvalResults,
} from '../src/index.ts';
import { startFakeLlm } from '@threadline/testing';
import { defaultOutPath } from '../src/eval-command.ts';

let results: EvalResults;
let dir: string;

beforeAll(async () => {
  results = await runEval(defaultOptions(true));
  dir = await mkdtemp(join(tmpdir(), 'threadline-eval-test-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('npm run eval -- --quick, in process', () => {
  it('computes every method on every conversation: the SDK, both baselines and the LLM rows', () => {
    expect(results.conversations).toHaveLength(4);
    for (const method of METHODS) {
      const records = results.records.filter((r) => r.method === method);
      expect(new Set(records.map((r) => r.conversationId)).size, method).toBe(4);
    }
    expect(results.llmName).toMatch(/fake-llm/);
  });

  it('takes one probe per seal observed plus one at the end, and the truncation baseline rides on the SDK probes', () => {
    let seals = 0;
    for (const r of results.records) {
      expect(r.score.sealProbes, `${r.method} ${r.conversationId}`).toBe(r.seals);
      expect(r.score.probes).toBe(r.seals + 1);
      expect(r.segments).toBe(r.seals + 1);
      expect(r.score.end).not.toBeNull();
      seals += r.seals;
    }
    expect(seals).toBeGreaterThan(0);
    for (const t of results.records.filter((r) => r.method === 'truncation')) {
      const sdk = results.records.find(
        (r) => r.method === 'sdk' && r.conversationId === t.conversationId && r.budget === t.budget,
      )!;
      expect(t.seals).toBe(sdk.seals);
    }
  });

  it('returns no context over its budget, by the report or by our count', () => {
    for (const r of results.records)
      expect(r.score.overBudget, `${r.method} ${r.conversationId}`).toBe(0);
  });

  it('scores what really happened: planted items were old enough to count, long histories were measured', () => {
    for (const method of METHODS) {
      const a = aggregate(results.records.filter((r) => r.method === method));
      expect(a.factPairs, method).toBeGreaterThan(0);
      expect(a.artifactPairs, method).toBeGreaterThan(0);
      expect(a.decisionPairs, method).toBeGreaterThan(0);
      expect(a.fillProbes, method).toBeGreaterThan(0);
      expect(a.compression, method).toBeGreaterThan(1);
    }
  });

  it('keeps every share in [0, 1]', () => {
    for (const method of METHODS) {
      const a = aggregate(results.records.filter((r) => r.method === method));
      const shares = [
        a.factRecall,
        a.artifactRecall,
        a.latestWins,
        a.staleOnly,
        a.continuationUser,
        a.continuationAssistant,
        a.continuationBoth,
        a.fillAt90Reported,
        a.fillAt90Own,
        a.fillMeanReported,
        a.fillMeanOwn,
        a.fillMinOwn,
      ];
      for (const share of shares) {
        expect(share, method).not.toBeNull();
        expect(share!).toBeGreaterThanOrEqual(0);
        expect(share!).toBeLessThanOrEqual(1);
      }
    }
  });

  it('gives the truncation baseline the continuation (the latest turns are always there) and no summary', () => {
    const a = aggregate(results.records.filter((r) => r.method === 'truncation'));
    expect(a.continuationBoth).toBe(1);
    expect(a.summaryRatio).toBeNull();
    for (const r of results.records.filter((r) => r.method === 'truncation'))
      expect(r.score.end!.summaryMessages).toBe(0);
  });

  it('renders the headline against the targets', () => {
    const md = evalMarkdown(results, {
      command: 'npm run eval -- --quick',
      startedAt: '2026-01-01T00:00:00.000Z',
      commit: 'test',
      machine: 'test',
      charts: [],
      resultsPath: 'results.json',
    });
    expect(md).toContain('## Headline');
    expect(md).toMatch(/\| SDK \(this code, extractive summarizer\) \| 1000 \| 4 \|/);
    expect(md).toMatch(/ (met|\*\*missed\*\*) \|/);
  });
});

describe('the command', () => {
  it('writes a quick run to a temporary directory by default, never over the repository EVAL.md', () => {
    expect(defaultOutPath(true).startsWith(tmpdir())).toBe(true);
    // The repository's own EVAL.md (wherever the repository is, a clone under /tmp included).
    const repoEval = fileURLToPath(new URL('../../../EVAL.md', import.meta.url));
    expect(defaultOutPath(false)).toBe(repoEval);
    expect(defaultOutPath(true)).not.toBe(repoEval);
  });

  it('writes the markdown, the charts and the results where it is told', async () => {
    const lines: string[] = [];
    const out = join(dir, 'EVAL.md');
    const code = await runEvalCommand(['--quick', '--no-llm', '--out', out], {
      out: (t) => lines.push(t),
      progress: null,
      env: {},
    });
    expect(code).toBe(0);
    expect(await readFile(out, 'utf8')).toContain('# Context quality evaluation');
    expect((await stat(join(dir, 'results.json'))).size).toBeGreaterThan(0);
    expect((await stat(join(dir, 'charts', 'by-domain.svg'))).size).toBeGreaterThan(0);
    expect(lines.join('\n')).toContain('Headline');
  });

  it('summarizes with the OpenAI-compatible endpoint named by THREADLINE_EVAL_LLM_URL', async () => {
    const llm = await startFakeLlm({ model: 'endpoint-model', apiKey: 'sk-eval-test' });
    try {
      const lines: string[] = [];
      const out = join(dir, 'endpoint', 'EVAL.md');
      const code = await runEvalCommand(['--quick', '--out', out], {
        out: (t) => lines.push(t),
        progress: null,
        env: {
          THREADLINE_EVAL_LLM_URL: llm.url,
          THREADLINE_EVAL_LLM_KEY: 'sk-eval-test',
          THREADLINE_EVAL_LLM_MODEL: 'endpoint-model',
        },
      });
      expect(code).toBe(0);
      expect(llm.stats().ok).toBeGreaterThan(0);
      expect(llm.stats().unauthorized).toBe(0);
      expect(await readFile(out, 'utf8')).toContain(`endpoint-model at 127.0.0.1:${llm.port}`);
    } finally {
      await llm.close();
    }
  });

  it('refuses a bad flag with exit code 2', async () => {
    const lines: string[] = [];
    const code = await runEvalCommand(['--seed', 'x'], {
      out: (t) => lines.push(t),
      progress: null,
      env: {},
    });
    expect(code).toBe(2);
    expect(lines.join('\n')).toMatch(/--seed: expected a whole number/);
  });
});
