import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as sdk from '../src/index.ts';

/**
 * The README's SDK example, run as written: the `ts` block of "## The SDK" is read from
 * README.md, its import of `@threadline/sdk` is bound to this SDK, and it runs on the default
 * (embedded) runtime.
 */
const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## The SDK'));
const code = /```ts\n([\s\S]*?)```/.exec(section)![1]!;

type Example = () => Promise<Record<string, unknown>>;

/** The block as a function of the SDK's exports, returning its top-level consts. */
function compile(source: string): Example {
  const imports = /^import \{([^}]*)\} from '@threadline\/sdk';\n/m.exec(source);
  if (!imports) throw new Error("the README's SDK example no longer imports from @threadline/sdk");
  const names = imports[1]!.split(',').map((n) => n.trim());
  const body = source.replace(imports[0], '');
  const consts = [...body.matchAll(/^const (\w+) =/gm)].map((m) => m[1]!);
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (
    ...args: string[]
  ) => (...values: unknown[]) => Promise<Record<string, unknown>>;
  const run = new AsyncFunction(...names, `${body}\nreturn { ${consts.join(', ')} };`);
  return () => run(...names.map((n) => (sdk as Record<string, unknown>)[n]));
}

describe("the README's SDK example", () => {
  it('runs as written, OpenAI-style usage included, and counts the reported usage', async () => {
    const result = await compile(code)();
    const sm = result['sm'] as sdk.SessionManager;
    const stats = result['stats'] as Awaited<ReturnType<sdk.SessionManager['getStats']>>;
    expect(stats.aiMessages).toBe(1);
    expect(stats.toolCalls).toBe(1);
    expect(stats.usageByModel['gpt-4o']).toMatchObject({
      promptTokens: 412,
      completionTokens: 38,
      calls: 1,
    });
    expect(result['messages']).toEqual(
      expect.arrayContaining([expect.objectContaining({ role: 'system' })]),
    );
    expect(result['chain']).toEqual([`${sm.sessionId}.s0`]);
  });
});
