import { describe, expect, it } from 'vitest';
import { DEFAULT_SESSION_CONFIG, PriceTable, TokenCounter } from '@threadline/core';
import { MemorySessionStore } from '@threadline/store';
import { SessionEngine } from '../src/index.ts';

describe('warming the engine up', () => {
  it('loads the default model’s tokenizer before any batch, so the first jobs do not wait for it', async () => {
    const tokens = new TokenCounter();
    const engine = new SessionEngine({
      store: new MemorySessionStore(),
      meter: { tokens, prices: new PriceTable() },
    });
    expect(tokens.isReady(DEFAULT_SESSION_CONFIG.defaultModel)).toBe(false);
    await engine.warmUp();
    expect(tokens.isReady(DEFAULT_SESSION_CONFIG.defaultModel)).toBe(true);
  });
});
