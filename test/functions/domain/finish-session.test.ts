import { beforeEach, describe, expect, it } from 'vitest';
import {
  CallerMismatchError,
  DependencyUnavailableError,
  ForeignClientIdError,
  HumanApiAuthError,
  HumanApiFailedError,
  HumanApiRejectedError,
} from '../../../functions/commons/errors.js';
import { assertOwnClientId, finishSession } from '../../../functions/domain/finish-session.js';
import { createUnsavedExchanges } from '../../../functions/domain/unsaved-exchanges.js';
import { CLIENT_ID, exchangeFor, fakeHumanApi, fakeSecrets, memoryTokenStore } from '../fakes.js';

const session = { humanId: 'h'.repeat(24), clientId: CLIENT_ID, sessionToken: 's'.repeat(32) };
const trusted = { kind: 'trusted' } as const;

describe('finishSession', () => {
  let humanApi: ReturnType<typeof fakeHumanApi>;
  let tokenStore: ReturnType<typeof memoryTokenStore>;
  let secrets: ReturnType<typeof fakeSecrets>;
  let dependencies: Parameters<typeof finishSession>[2];

  beforeEach(() => {
    humanApi = fakeHumanApi();
    tokenStore = memoryTokenStore();
    secrets = fakeSecrets('old-secret', 'new-secret');
    dependencies = {
      clientId: CLIENT_ID,
      humanApi,
      secrets,
      tokenStore,
      unsavedExchanges: createUnsavedExchanges(),
      now: () => new Date('2026-11-21T10:00:00Z'),
    };
  });

  it('exchanges the signed session token, stores the tokens and answers only the public part', async () => {
    humanApi.exchangeSessionToken.mockResolvedValue(exchangeFor('alice'));

    const answer = await finishSession(session, trusted, dependencies);

    expect(answer).toEqual({ humanId: session.humanId, clientUserId: 'alice', publicToken: 'p'.repeat(32) });
    expect(humanApi.exchangeSessionToken).toHaveBeenCalledWith({ ...session, clientSecret: 'old-secret' });
    expect(tokenStore.records.get('alice')).toMatchObject({ accessToken: 'a'.repeat(40), version: 1 });
  });

  it('overwrites the tokens on every finish and keeps createdAt', async () => {
    humanApi.exchangeSessionToken
      .mockResolvedValueOnce(exchangeFor('alice'))
      .mockResolvedValueOnce(exchangeFor('alice', { accessToken: 'A'.repeat(40), publicToken: 'P'.repeat(32) }));
    await finishSession(session, trusted, dependencies);
    const later = { ...dependencies, now: () => new Date('2026-11-22T10:00:00Z') };

    const answer = await finishSession({ ...session, sessionToken: 't'.repeat(32) }, trusted, later);

    expect(answer.publicToken).toBe('P'.repeat(32));
    expect(tokenStore.records.get('alice')).toMatchObject({
      accessToken: 'A'.repeat(40),
      createdAt: '2026-11-21T10:00:00.000Z',
      updatedAt: '2026-11-22T10:00:00.000Z',
      version: 2,
    });
  });

  it('refuses another app\u2019s clientId', () => {
    expect(() => assertOwnClientId({ ...session, clientId: 'x'.repeat(40) }, CLIENT_ID)).toThrow(ForeignClientIdError);
    expect(() => assertOwnClientId(session, CLIENT_ID)).not.toThrow();
  });

  it('re-reads the secret once and retries once when Human API refuses the credentials', async () => {
    humanApi.exchangeSessionToken
      .mockRejectedValueOnce(new HumanApiAuthError(401))
      .mockResolvedValue(exchangeFor('alice'));

    await finishSession(session, trusted, dependencies);

    expect(secrets.refreshes).toBe(1);
    expect(humanApi.exchangeSessionToken).toHaveBeenLastCalledWith({ ...session, clientSecret: 'new-secret' });
  });

  it('gives up with HumanApiAuthError when the fresh secret is refused too, storing nothing', async () => {
    humanApi.exchangeSessionToken.mockRejectedValue(new HumanApiAuthError(401));

    await expect(finishSession(session, trusted, dependencies)).rejects.toBeInstanceOf(HumanApiAuthError);
    expect(humanApi.exchangeSessionToken).toHaveBeenCalledTimes(2);
    expect(tokenStore.records.size).toBe(0);
  });

  it('does not retry other Human API failures', async () => {
    humanApi.exchangeSessionToken.mockRejectedValue(new HumanApiRejectedError(400));

    await expect(finishSession(session, trusted, dependencies)).rejects.toBeInstanceOf(HumanApiRejectedError);
    expect(humanApi.exchangeSessionToken).toHaveBeenCalledTimes(1);
    expect(secrets.refreshes).toBe(0);
  });

  it('refuses an answer for another app', async () => {
    humanApi.exchangeSessionToken.mockResolvedValue(exchangeFor('alice', { clientId: 'x'.repeat(40) }));

    await expect(finishSession(session, trusted, dependencies)).rejects.toBeInstanceOf(HumanApiFailedError);
    expect(tokenStore.records.size).toBe(0);
  });

  it('in JWT mode, answers 403 and stores nothing when the session belongs to another user', async () => {
    humanApi.exchangeSessionToken.mockResolvedValue(exchangeFor('alice'));

    await expect(finishSession(session, { kind: 'user', userId: 'mallory' }, dependencies)).rejects.toBeInstanceOf(
      CallerMismatchError,
    );
    expect(tokenStore.records.size).toBe(0);
  });

  it('in JWT mode, stores the session of the caller', async () => {
    humanApi.exchangeSessionToken.mockResolvedValue(exchangeFor('alice'));

    await finishSession(session, { kind: 'user', userId: 'alice' }, dependencies);

    expect(tokenStore.records.has('alice')).toBe(true);
  });

  it('keeps an exchange whose write failed, so a retry stores it without a second exchange', async () => {
    humanApi.exchangeSessionToken.mockResolvedValueOnce(exchangeFor('alice'));
    tokenStore.failWrites = true;
    await expect(finishSession(session, trusted, dependencies)).rejects.toThrow('write failed');
    tokenStore.failWrites = false;

    const answer = await finishSession(session, trusted, dependencies);

    expect(answer.publicToken).toBe('p'.repeat(32));
    expect(humanApi.exchangeSessionToken).toHaveBeenCalledTimes(1);
    expect(tokenStore.records.get('alice')?.accessToken).toBe('a'.repeat(40));
  });

  it('does not let a late retry of an older exchange overwrite newer tokens; it answers the newer publicToken', async () => {
    let clock = Date.parse('2026-11-21T10:00:00Z');
    const tick = () => {
      clock += 1000;
      return new Date(clock);
    };
    const ticking = { ...dependencies, now: tick };
    humanApi.exchangeSessionToken
      .mockResolvedValueOnce(exchangeFor('alice', { publicToken: 'A'.repeat(32) }))
      .mockResolvedValueOnce(exchangeFor('alice', { publicToken: 'B'.repeat(32) }));
    tokenStore.failWrites = true;
    await expect(finishSession(session, trusted, ticking)).rejects.toThrow('write failed');
    tokenStore.failWrites = false;
    await finishSession({ ...session, sessionToken: 'b'.repeat(32) }, trusted, ticking);

    const lateRetry = await finishSession(session, trusted, ticking);

    expect(lateRetry.publicToken).toBe('B'.repeat(32));
    expect(tokenStore.records.get('alice')).toMatchObject({ publicToken: 'B'.repeat(32), version: 1 });
    expect(humanApi.exchangeSessionToken).toHaveBeenCalledTimes(2);
  });

  it('forgets a kept exchange once stored', async () => {
    humanApi.exchangeSessionToken.mockResolvedValueOnce(exchangeFor('alice'));
    tokenStore.failWrites = true;
    await expect(finishSession(session, trusted, dependencies)).rejects.toThrow();
    tokenStore.failWrites = false;
    await finishSession(session, trusted, dependencies);
    humanApi.exchangeSessionToken.mockRejectedValue(new HumanApiRejectedError(400));

    await expect(finishSession(session, trusted, dependencies)).rejects.toBeInstanceOf(HumanApiRejectedError);
  });

  it('passes a storage failure on unchanged', async () => {
    humanApi.exchangeSessionToken.mockResolvedValue(exchangeFor('alice'));
    dependencies = {
      ...dependencies,
      tokenStore: {
        ...tokenStore,
        upsertTokenRecord: async () => {
          throw new DependencyUnavailableError('DynamoDB');
        },
      },
    };

    await expect(finishSession(session, trusted, dependencies)).rejects.toBeInstanceOf(DependencyUnavailableError);
  });
});
