import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './retry-after.ts';

const now = Date.parse('2025-06-01T12:00:00Z');
const parse = (headers: Record<string, string>) => parseRetryAfter(new Headers(headers), now);

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parse({ 'Retry-After': '1' })).toBe(1000);
    expect(parse({ 'Retry-After': '0.25' })).toBe(250);
    expect(parse({ 'Retry-After': '0' })).toBe(0);
  });

  it('reads an HTTP date as the time left until it', () => {
    expect(parse({ 'Retry-After': 'Sun, 01 Jun 2025 12:00:30 GMT' })).toBe(30_000);
  });

  it('reads a date in the past as no wait', () => {
    expect(parse({ 'Retry-After': 'Sun, 01 Jun 2025 11:00:00 GMT' })).toBe(0);
  });

  it('prefers retry-after-ms, which is exact', () => {
    expect(parse({ 'Retry-After': '1', 'retry-after-ms': '200' })).toBe(200);
    expect(parse({ 'retry-after-ms': '12.5' })).toBe(13);
  });

  it('ignores values that are neither seconds nor a date', () => {
    expect(parse({ 'Retry-After': 'soon' })).toBeNull();
    expect(parse({ 'Retry-After': '-5' })).toBeNull();
    expect(parse({ 'retry-after-ms': 'abc', 'Retry-After': '2' })).toBe(2000);
    expect(parse({})).toBeNull();
  });
});
