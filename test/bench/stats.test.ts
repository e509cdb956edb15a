import { describe, expect, it } from 'vitest';
import { createRandom, median, quantile, round, shuffle, summarize } from '../../bench/stats.js';

describe('benchmark statistics', () => {
  it('interpolates quantiles between the closest ranks', () => {
    const sorted = [10, 20, 30, 40];

    expect(quantile(sorted, 0)).toBe(10);
    expect(quantile(sorted, 1)).toBe(40);
    expect(quantile(sorted, 0.5)).toBe(25);
    expect(quantile(sorted, 0.99)).toBeCloseTo(39.7, 10);
  });

  it('refuses the quantile of an empty sample', () => {
    expect(() => quantile([], 0.5)).toThrow(RangeError);
  });

  it('takes the median of unsorted values without reordering them', () => {
    const values = [5, 1, 4, 2, 3];

    expect(median(values)).toBe(3);
    expect(values).toEqual([5, 1, 4, 2, 3]);
  });

  it('summarizes a sample: count, mean, p50, p90, p99, min and max', () => {
    const values = Array.from({ length: 101 }, (_, index) => 100 - index);

    expect(summarize(values)).toEqual({ count: 101, mean: 50, p50: 50, p90: 90, p99: 99, min: 0, max: 100 });
  });

  it('rounds to three decimals unless told otherwise', () => {
    expect(round(1.23456)).toBe(1.235);
    expect(round(73.26, 1)).toBe(73.3);
  });

  it('repeats the same pseudo-random sequence for the same seed, in [0, 1)', () => {
    const first = createRandom(42);
    const second = createRandom(42);
    const draws = Array.from({ length: 1000 }, () => first());

    expect(draws).toEqual(Array.from({ length: 1000 }, () => second()));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    expect(createRandom(43)()).not.toBe(createRandom(42)());
  });

  it('shuffles into a permutation, reproducibly for a seed, leaving the input alone', () => {
    const items = ['a', 'b', 'c', 'd', 'e', 'f'];

    const shuffled = shuffle(items, createRandom(7));

    expect([...shuffled].sort()).toEqual(items);
    expect(shuffle(items, createRandom(7))).toEqual(shuffled);
    expect(items).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    const orders = new Set(Array.from({ length: 20 }, (_, seed) => shuffle(items, createRandom(seed)).join('')));
    expect(orders.size).toBeGreaterThan(10);
  });
});
