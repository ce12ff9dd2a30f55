import { describe, expect, it } from 'vitest';
import { formatUsd, NANO_PER_USD, nanoToUsd } from './money.ts';

describe('money', () => {
  it('formats nano-dollars as exact dollars with 2 to 9 decimals', () => {
    expect(formatUsd(123_000)).toBe('$0.000123');
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(1)).toBe('$0.000000001');
    expect(formatUsd(150_000_000)).toBe('$0.15');
    expect(formatUsd(1_500_000_000)).toBe('$1.50');
    expect(formatUsd(12 * NANO_PER_USD + 345_678_901)).toBe('$12.345678901');
    expect(formatUsd(-5)).toBe('-$0.000000005');
  });

  it('formats the largest exact amount without rounding it up', () => {
    expect(formatUsd(Number.MAX_SAFE_INTEGER)).toBe('$9007199.254740991');
  });

  it('refuses to format an amount that is not an integer number of nano-dollars', () => {
    expect(() => formatUsd(0.5)).toThrow(RangeError);
    expect(() => formatUsd(Number.NaN)).toThrow(/integer number of nano-dollars/);
  });

  it('converts nano-dollars to dollars', () => {
    expect(nanoToUsd(2_500_000_000)).toBe(2.5);
    expect(nanoToUsd(150)).toBe(1.5e-7);
  });
});
