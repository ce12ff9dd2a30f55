import { describe, expect, it } from 'vitest';
import { latencyStats } from './latency-stats.ts';

describe('latencyStats', () => {
  it('gives nearest-rank percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 1..100, unsorted
    expect(latencyStats(samples)).toEqual({
      count: 100,
      p50: 50,
      p90: 90,
      p99: 99,
      max: 100,
      mean: 50.5,
    });
  });

  it('takes the only sample for every percentile, and has no figures without samples', () => {
    expect(latencyStats([7])).toMatchObject({ p50: 7, p99: 7, max: 7 });
    expect(latencyStats([])).toBeNull();
  });
});
