/**
 * The data gateway's work on fakes of its ports (docs/design.md#the-data-gateway): each of Human
 * API's answers mapped, retries bounded in count and time, a minted token re-minted once, a
 * refused v1 token marking the user to reconnect, and the token cache (literal times).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { checkHumanDataRequest, type HumanDataTarget } from '../../../functions/contract/human-data.js';
import {
  DependencyUnavailableError,
  HumanApiAnswerTooLargeError,
  HumanApiFailedError,
  HumanApiRateLimitedError,
  HumanApiTimeoutError,
  HumanApiUnreachableError,
  NotConnectedError,
  TokenRecordNotFoundError,
} from '../../../functions/domain/errors.js';
import { type HumanDataDependencies, readHumanData } from '../../../functions/domain/human-data.js';
import {
  DataPageTooLargeError,
  HumanDataNotFoundError,
  ReconnectRequiredError,
} from '../../../functions/domain/human-data-errors.js';
import type { HumanDataAnswer, HumanDataApi, UserAccessToken } from '../../../functions/domain/human-data-ports.js';
import { AccessTokenCache } from '../../../functions/domain/token-cache.js';

const NOW = '2026-06-01T00:00:00.000Z';

function targetOf(path: string, query = ''): HumanDataTarget {
  const target = checkHumanDataRequest(path, new URLSearchParams(query));
  if (Array.isArray(target)) throw new Error(`not a target: ${path}`);
  return target;
}

const ok = (body: string, headers: Record<string, string> = {}): HumanDataAnswer => ({ status: 200, headers, body });
const status = (code: number): HumanDataAnswer => ({ status: code, headers: {}, body: '{"error":"x"}' });

/** The fakes, scripted per test: Human API answers (or throws) from `script`, in order. */
function world({ kind = 'v1' as UserAccessToken['kind'], remainingMs = 20_000, mintsNone = false } = {}) {
  let clock = Date.parse(NOW);
  let mints = 0;
  /** The record says its v1 token was refused: the reader then mints, as for a current-generation user. */
  let v1Refused = false;
  const script: (HumanDataAnswer | Error)[] = [];
  const tokens = {
    read: vi.fn(
      async (_user: { clientUserId: string }, options?: { mintAgain?: boolean }): Promise<UserAccessToken> => {
        if (kind === 'v1' && !v1Refused) return { accessToken: 'v1-token', kind };
        if (mintsNone) throw new NotConnectedError();
        if (options?.mintAgain === true || mints === 0) mints += 1;
        return { accessToken: `minted-${mints}`, kind: 'minted', expiresAt: '2026-06-02T00:00:00.000Z' };
      },
    ),
  };
  const humanData = {
    get: vi.fn<HumanDataApi['get']>(async () => {
      const next = script.shift() ?? ok('[]');
      if (next instanceof Error) throw next;
      return next;
    }),
  };
  const reconnect = {
    markReconnectRequired: vi.fn(async (_clientUserId: string, _now: Date) => undefined),
    markAccessTokenRefused: vi.fn(async (_clientUserId: string, _now: Date) => {
      v1Refused = true;
    }),
  };
  const sleep = vi.fn(async (_ms: number) => undefined);
  const dependencies: HumanDataDependencies = {
    tokens,
    cache: new AccessTokenCache({ now: () => clock }),
    humanData,
    reconnect,
    retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000, attemptTimeoutMs: 1000, reserveMs: 1000 },
    now: () => new Date(clock),
    random: () => 0.5,
    sleep,
  };
  const read = (path = 'activities/summaries', query = 'limit=2', clientUserId = 'alice') =>
    readHumanData({ clientUserId, target: targetOf(path, query), remainingMs: () => remainingMs }, dependencies);
  return {
    read,
    script,
    tokens,
    humanData,
    reconnect,
    sleep,
    at: (iso: string) => {
      clock = Date.parse(iso);
    },
  };
}

let w: ReturnType<typeof world>;
beforeEach(() => {
  w = world();
});

describe('readHumanData: a page', () => {
  it('calls Human API with the checked path and query and the user\u2019s token, and answers its page as it came', async () => {
    w.script.push(ok('[{"id":"1"}]', { 'x-total-count': '90', link: '<x>; rel="next"' }));

    const page = await w.read('activities/summaries', 'offset=2&limit=2');

    expect(page).toEqual({
      body: '[{"id":"1"}]',
      headers: { 'x-total-count': '90', link: '<x>; rel="next"' },
      upstreamStatus: 200,
    });
    expect(w.humanData.get).toHaveBeenCalledExactlyOnceWith({
      pathAndQuery: '/v1/human/activities/summaries?limit=2&offset=2',
      pathTemplate: '/v1/human/activities/summaries',
      accessToken: 'v1-token',
    });
  });

  it('names a record by its template, never its id, and sends no query for it', async () => {
    await w.read('activities/summaries/2026-01-31', '');

    expect(w.humanData.get).toHaveBeenCalledExactlyOnceWith({
      pathAndQuery: '/v1/human/activities/summaries/2026-01-31',
      pathTemplate: '/v1/human/activities/summaries/{id}',
      accessToken: 'v1-token',
    });
  });
});

describe('readHumanData: the token cache', () => {
  it('reads a user\u2019s token once for calls within five minutes, and again after', async () => {
    await w.read();
    w.at('2026-06-01T00:04:59.999Z');
    await w.read();
    expect(w.tokens.read).toHaveBeenCalledTimes(1);

    w.at('2026-06-01T00:05:00.000Z');
    await w.read();
    expect(w.tokens.read).toHaveBeenCalledTimes(2);
  });

  it('reads each user\u2019s own token', async () => {
    await w.read('profile', '', 'alice');
    await w.read('profile', '', 'bob');

    expect(w.tokens.read.mock.calls.map(([user]) => user.clientUserId)).toEqual(['alice', 'bob']);
  });

  it('drops a refused token, so the next call reads the user\u2019s token afresh', async () => {
    w = world({ kind: 'v1', mintsNone: true });
    await w.read();
    w.script.push(status(401));
    await expect(w.read()).rejects.toBeInstanceOf(ReconnectRequiredError);

    await w.read().catch(() => undefined);

    expect(w.tokens.read).toHaveBeenCalledTimes(3);
  });
});

describe('readHumanData: Human API refuses the token (401)', () => {
  it('never uses a refused v1 token again: the record says so, a token is minted, and the page comes', async () => {
    w.script.push(status(401), ok('{"id":"p"}'));

    const page = await w.read('profile', '');

    expect(page.body).toBe('{"id":"p"}');
    expect(w.reconnect.markAccessTokenRefused).toHaveBeenCalledExactlyOnceWith('alice', new Date(NOW));
    expect(w.reconnect.markReconnectRequired).not.toHaveBeenCalled();
    expect(w.tokens.read.mock.calls.map(([, options]) => options)).toEqual([{ mintAgain: false }, { mintAgain: true }]);
    expect(w.humanData.get.mock.calls.map(([request]) => request.accessToken)).toEqual(['v1-token', 'minted-1']);
  });

  it('marks a v1 user to connect again and answers that the user must (409) when Human API mints no token either', async () => {
    w = world({ kind: 'v1', mintsNone: true });
    w.script.push(status(401));

    const refusal = await w.read().catch((error: unknown) => error);

    expect(refusal).toBeInstanceOf(ReconnectRequiredError);
    expect(w.reconnect.markAccessTokenRefused).toHaveBeenCalledExactlyOnceWith('alice', new Date(NOW));
    expect(w.reconnect.markReconnectRequired).toHaveBeenCalledExactlyOnceWith('alice', new Date(NOW));
    expect(w.humanData.get).toHaveBeenCalledTimes(1);
  });

  it('mints a current-generation user\u2019s token again once and calls again with it', async () => {
    w = world({ kind: 'minted' });
    w.script.push(status(401), ok('{"id":"p"}'));

    const page = await w.read('profile', '');

    expect(page.body).toBe('{"id":"p"}');
    expect(w.tokens.read.mock.calls.map(([, options]) => options)).toEqual([{ mintAgain: false }, { mintAgain: true }]);
    expect(w.humanData.get.mock.calls.map(([request]) => request.accessToken)).toEqual(['minted-1', 'minted-2']);
    expect(w.reconnect.markReconnectRequired).not.toHaveBeenCalled();
  });

  it('keeps the token minted again: the next call reads none', async () => {
    w = world({ kind: 'minted' });
    w.script.push(status(401));
    await w.read('profile', '');

    await w.read('profile', '');

    expect(w.tokens.read).toHaveBeenCalledTimes(2);
    expect(w.humanData.get.mock.calls.map(([request]) => request.accessToken)).toEqual([
      'minted-1',
      'minted-2',
      'minted-2',
    ]);
  });

  it('marks the user to connect again when the token minted again is refused too, minting no third', async () => {
    w = world({ kind: 'minted' });
    w.script.push(status(401), status(401));

    await expect(w.read('profile', '')).rejects.toBeInstanceOf(ReconnectRequiredError);

    expect(w.tokens.read).toHaveBeenCalledTimes(2);
    expect(w.humanData.get).toHaveBeenCalledTimes(2);
    expect(w.reconnect.markReconnectRequired).toHaveBeenCalledExactlyOnceWith('alice', new Date(NOW));
  });

  it('marks the user to connect again when Human API mints no token (not connected)', async () => {
    w.tokens.read.mockRejectedValueOnce(new NotConnectedError());

    const refusal = await w.read().catch((error: unknown) => error);

    expect(refusal).toBeInstanceOf(ReconnectRequiredError);
    expect(refusal).toMatchObject({ upstreamStatus: undefined });
    expect(w.reconnect.markReconnectRequired).toHaveBeenCalledOnce();
    expect(w.humanData.get).not.toHaveBeenCalled();
  });

  it('fails 503 (not 409) when the mark cannot be written, so the caller asks again', async () => {
    w = world({ kind: 'v1', mintsNone: true });
    w.script.push(status(401));
    w.reconnect.markReconnectRequired.mockRejectedValueOnce(new DependencyUnavailableError('DynamoDB'));

    await expect(w.read()).rejects.toBeInstanceOf(DependencyUnavailableError);
  });

  it('fails 503 when the refusal of a v1 token cannot be written, calling no more', async () => {
    w.script.push(status(401));
    w.reconnect.markAccessTokenRefused.mockRejectedValueOnce(new DependencyUnavailableError('DynamoDB'));

    await expect(w.read()).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(w.humanData.get).toHaveBeenCalledTimes(1);
  });
});

describe('readHumanData: what else Human API and the vault answer', () => {
  it('answers no record without calling Human API', async () => {
    w.tokens.read.mockRejectedValueOnce(new TokenRecordNotFoundError());

    await expect(w.read()).rejects.toBeInstanceOf(TokenRecordNotFoundError);
    expect(w.humanData.get).not.toHaveBeenCalled();
  });

  it('answers Human API\u2019s 404 as no such record', async () => {
    w.script.push(status(404));

    await expect(w.read('activities/abc', '')).rejects.toBeInstanceOf(HumanDataNotFoundError);
    expect(w.humanData.get).toHaveBeenCalledTimes(1);
  });

  it('passes a rate limit on at once, unretried', async () => {
    w.script.push(new HumanApiRateLimitedError(17));

    await expect(w.read()).rejects.toEqual(new HumanApiRateLimitedError(17));
    expect(w.humanData.get).toHaveBeenCalledTimes(1);
  });

  it.each([400, 403, 405, 418])('answers another refusal (%i) as Human API failing, unretried', async (code) => {
    w.script.push(status(code));

    await expect(w.read()).rejects.toMatchObject({ name: 'HumanApiFailedError', upstreamStatus: code });
    expect(w.humanData.get).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['HTML', '<html>Bad gateway</html>'],
    ['an empty body', ''],
    ['truncated JSON', '[{"id":'],
  ])('answers a 200 with %s as an unreadable answer', async (_, body) => {
    w.script.push(ok(body));

    await expect(w.read()).rejects.toMatchObject({
      name: 'HumanApiFailedError',
      message: 'Human API answered with unreadable JSON.',
      upstreamStatus: 200,
    });
  });

  it('answers an answer over the read cap as a page too large, unretried', async () => {
    w.script.push(new HumanApiAnswerTooLargeError(4 * 1024 * 1024, 200));

    const refusal = await w.read().catch((error: unknown) => error);

    expect(refusal).toBeInstanceOf(DataPageTooLargeError);
    expect(refusal).toMatchObject({ upstreamStatus: 200 });
    expect(w.humanData.get).toHaveBeenCalledTimes(1);
  });

  it('answers a page under the read cap that Lambda could not carry escaped as too large', async () => {
    // 4,194,301 bytes of JSON, a third of them quotes: over 6,000,000 bytes once escaped.
    w.script.push(ok(`[${'"",'.repeat(1_398_100)}""]`));

    await expect(w.read()).rejects.toBeInstanceOf(DataPageTooLargeError);
  });

  it('refuses an answer that repeats the user\u2019s token, passing none of it on', async () => {
    w.script.push(ok('[{"echo":"Bearer v1-token"}]'));

    await expect(w.read()).rejects.toMatchObject({
      name: 'HumanApiFailedError',
      message: 'Human API answered with the access token in its answer; it is not passed on.',
      upstreamStatus: 200,
    });
  });

  it('drops a Link header that repeats the user\u2019s token, and keeps the page', async () => {
    w.script.push(
      ok('[]', { 'x-total-count': '3', link: '<https://x/v1/human/sources?access_token=v1-token>; rel="next"' }),
    );

    expect((await w.read('sources', '')).headers).toEqual({ 'x-total-count': '3' });
  });

  it('does not follow a redirect, nor retry it', async () => {
    w.script.push(new HumanApiFailedError('Human API answered 302 (redirects are not followed).'));

    await expect(w.read()).rejects.toBeInstanceOf(HumanApiFailedError);
    expect(w.humanData.get).toHaveBeenCalledTimes(1);
  });
});

describe('readHumanData: retries', () => {
  it('retries 5xx with full jitter, doubling the cap, and answers the page that came', async () => {
    w.script.push(status(500), status(503), ok('[1]'));

    const page = await w.read();

    expect(page.body).toBe('[1]');
    expect(w.humanData.get).toHaveBeenCalledTimes(3);
    // random() is 0.5: half of 100 ms, then half of 200 ms.
    expect(w.sleep.mock.calls).toEqual([[50], [100]]);
  });

  it('stops after three calls and answers Human API\u2019s last 5xx', async () => {
    w.script.push(status(502), status(503), status(500), ok('[1]'));

    await expect(w.read()).rejects.toEqual(new HumanApiFailedError('Human API answered 500.', { upstreamStatus: 500 }));
    expect(w.humanData.get).toHaveBeenCalledTimes(3);
    expect(w.sleep).toHaveBeenCalledTimes(2);
  });

  it.each([
    ['timeouts', () => new HumanApiTimeoutError(1000), HumanApiTimeoutError],
    ['broken connections', () => new HumanApiUnreachableError(), HumanApiUnreachableError],
  ])('retries %s, then throws the last one', async (_, failure, kind) => {
    w.script.push(failure(), failure(), failure());

    await expect(w.read()).rejects.toBeInstanceOf(kind);
    expect(w.humanData.get).toHaveBeenCalledTimes(3);
  });

  it('recovers from a broken connection on the retry', async () => {
    w.script.push(new HumanApiUnreachableError(), ok('{"ok":true}'));

    expect((await w.read()).body).toBe('{"ok":true}');
  });

  it('retries only while another whole call fits in the time left', async () => {
    // 2,049 ms left: a wait of 50 ms leaves 1,999 ms, short of one call (1,000 ms) and the reserve (1,000 ms).
    w = world({ remainingMs: 2049 });
    w.script.push(status(503), ok('[1]'));

    await expect(w.read()).rejects.toMatchObject({ upstreamStatus: 503 });
    expect(w.humanData.get).toHaveBeenCalledTimes(1);
    expect(w.sleep).not.toHaveBeenCalled();
  });

  it('retries when exactly a whole call and the reserve fit after the wait', async () => {
    w = world({ remainingMs: 2050 });
    w.script.push(status(503), ok('[1]'));

    expect((await w.read()).body).toBe('[1]');
  });

  it('retries a minted token\u2019s second call as boundedly as the first', async () => {
    w = world({ kind: 'minted' });
    w.script.push(status(401), status(500), status(500), status(500));

    await expect(w.read('profile', '')).rejects.toMatchObject({ upstreamStatus: 500 });
    expect(w.humanData.get).toHaveBeenCalledTimes(4);
  });
});
