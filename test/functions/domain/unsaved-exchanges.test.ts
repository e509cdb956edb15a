import { describe, expect, it } from 'vitest';
import { createUnsavedExchanges } from '../../../functions/domain/unsaved-exchanges.js';
import { exchangeFor } from '../fakes.js';

describe('unsaved exchanges', () => {
  it('finds a kept exchange by its session token until forgotten', () => {
    const unsaved = createUnsavedExchanges();
    unsaved.keep('token-1', exchangeFor('alice'), new Date(0));

    expect(unsaved.find('token-1')?.exchange.clientUserId).toBe('alice');
    expect(unsaved.find('token-2')).toBeUndefined();
    unsaved.forget('token-1');
    expect(unsaved.find('token-1')).toBeUndefined();
  });

  it('expires exchanges after the TTL', () => {
    let now = 0;
    const unsaved = createUnsavedExchanges({ ttlMs: 1000, now: () => now });
    unsaved.keep('token-1', exchangeFor('alice'), new Date(0));

    now = 999;
    expect(unsaved.find('token-1')).toBeDefined();
    now = 1000;
    expect(unsaved.find('token-1')).toBeUndefined();
  });

  it('holds at most maxEntries, dropping the oldest', () => {
    const unsaved = createUnsavedExchanges({ maxEntries: 2 });
    unsaved.keep('token-1', exchangeFor('a'), new Date(0));
    unsaved.keep('token-2', exchangeFor('b'), new Date(0));
    unsaved.keep('token-3', exchangeFor('c'), new Date(0));

    expect(unsaved.find('token-1')).toBeUndefined();
    expect(unsaved.find('token-2')?.exchange.clientUserId).toBe('b');
    expect(unsaved.find('token-3')?.exchange.clientUserId).toBe('c');
  });
});
