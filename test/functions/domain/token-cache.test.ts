/**
 * The data gateway's token cache (docs/security.md#the-data-gateways-token-cache): five minutes at
 * most, never past a minted token's expiry, a thousand users at most (least recently used out
 * first), dropped on demand. Times are literal.
 */
import { describe, expect, it } from 'vitest';
import { AccessTokenCache } from '../../../functions/domain/token-cache.js';

const T0 = Date.parse('2026-06-01T00:00:00.000Z');

function cacheAt(options: { maxUsers?: number } = {}) {
  let clock = T0;
  const cache = new AccessTokenCache({ ...options, now: () => clock });
  return {
    cache,
    at: (iso: string) => {
      clock = Date.parse(iso);
    },
  };
}

const v1 = (accessToken: string) => ({ accessToken, kind: 'v1' as const });

describe('AccessTokenCache', () => {
  it('keeps a token for five minutes after it was put, and not a millisecond longer', () => {
    const { cache, at } = cacheAt();
    cache.put('alice', v1('token-a'));

    at('2026-06-01T00:04:59.999Z');
    expect(cache.get('alice')).toEqual(v1('token-a'));
    at('2026-06-01T00:05:00.000Z');
    expect(cache.get('alice')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps a minted token only until it expires when that is sooner than five minutes', () => {
    const { cache, at } = cacheAt();
    cache.put('bob', { accessToken: 'minted', kind: 'minted', expiresAt: '2026-06-01T00:02:00.000Z' });

    at('2026-06-01T00:01:59.999Z');
    expect(cache.get('bob')?.accessToken).toBe('minted');
    at('2026-06-01T00:02:00.000Z');
    expect(cache.get('bob')).toBeUndefined();
  });

  it('keeps a minted token with a day left for five minutes', () => {
    const { cache, at } = cacheAt();
    cache.put('bob', { accessToken: 'minted', kind: 'minted', expiresAt: '2026-06-02T00:00:00.000Z' });

    at('2026-06-01T00:05:00.000Z');
    expect(cache.get('bob')).toBeUndefined();
  });

  it.each([
    ['already expired', '2026-05-31T23:59:59.000Z'],
    ['expiring now', '2026-06-01T00:00:00.000Z'],
    ['with an unreadable expiry', 'soon'],
  ])('does not keep a minted token %s', (_, expiresAt) => {
    const { cache } = cacheAt();
    cache.put('bob', { accessToken: 'minted', kind: 'minted', expiresAt });

    expect(cache.get('bob')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('replaces a user\u2019s token, the five minutes counting from the new one', () => {
    const { cache, at } = cacheAt();
    cache.put('alice', v1('old'));
    at('2026-06-01T00:04:00.000Z');
    cache.put('alice', v1('new'));

    at('2026-06-01T00:08:59.999Z');
    expect(cache.get('alice')).toEqual(v1('new'));
  });

  it('forgets a dropped user and no other', () => {
    const { cache } = cacheAt();
    cache.put('alice', v1('a'));
    cache.put('bob', v1('b'));

    cache.drop('alice');

    expect(cache.get('alice')).toBeUndefined();
    expect(cache.get('bob')).toEqual(v1('b'));
  });

  it('holds at most the users it is sized for, letting the least recently used go first', () => {
    const { cache } = cacheAt({ maxUsers: 3 });
    cache.put('u1', v1('1'));
    cache.put('u2', v1('2'));
    cache.put('u3', v1('3'));
    // u1 was read, so u2 is now the least recently used.
    cache.get('u1');

    cache.put('u4', v1('4'));

    expect(cache.size).toBe(3);
    expect(cache.get('u2')).toBeUndefined();
    expect([cache.get('u1'), cache.get('u3'), cache.get('u4')]).toEqual([v1('1'), v1('3'), v1('4')]);
  });

  it('holds a thousand users by default', () => {
    const { cache } = cacheAt();
    for (let user = 0; user < 1001; user += 1) cache.put(`user-${user}`, v1(String(user)));

    expect(cache.size).toBe(1000);
    expect(cache.get('user-0')).toBeUndefined();
    expect(cache.get('user-1000')).toEqual(v1('1000'));
  });
});
