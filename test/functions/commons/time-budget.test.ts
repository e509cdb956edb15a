import { describe, expect, it } from 'vitest';
import { HUMAN_API_TIMEOUT_MS_RANGE } from '../../../functions/commons/limits.js';
import { functionTimeoutSeconds } from '../../../functions/commons/time-budget.js';

describe('functionTimeoutSeconds', () => {
  it.each([
    [100, 6],
    [8000, 21],
    [12_000, 29],
  ])('gives a %i ms Human API timeout a Lambda timeout of %i s', (humanApiTimeoutMs, seconds) => {
    expect(functionTimeoutSeconds(humanApiTimeoutMs)).toBe(seconds);
  });

  it('refuses a Human API timeout that leaves no Lambda timeout under 30 s', () => {
    expect(() => functionTimeoutSeconds(12_001)).toThrow(RangeError);
    expect(() => functionTimeoutSeconds(12_001)).toThrow(/use at most 12000 ms/);
  });

  it('allows Human API timeouts up to 12000 ms, the longest that fits', () => {
    expect(HUMAN_API_TIMEOUT_MS_RANGE).toEqual({ min: 100, max: 12_000 });
  });
});
