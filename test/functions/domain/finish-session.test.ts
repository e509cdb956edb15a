import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbGrantStore } from '../../../functions/adapters/token-table/grants.js';
import { DynamoDbRecoveryStore } from '../../../functions/adapters/token-table/recovery.js';
import {
  CallerMismatchError,
  DependencyUnavailableError,
  ForeignClientIdError,
  HumanApiAuthError,
  HumanApiFailedError,
  HumanApiRejectedError,
  UserDeletedError,
} from '../../../functions/domain/errors.js';
import { assertOwnClientId, currentPublicToken, finishSession } from '../../../functions/domain/finish-session.js';
import { recoverPublicToken } from '../../../functions/domain/recover-public-token.js';
import { createUnsavedExchanges } from '../../../functions/domain/unsaved-exchanges.js';
import { gate, startTokenTable, type TokenTable } from '../../support/token-table.js';
import {
  CLIENT_ID,
  exchangeFor,
  fakeCipher,
  fakeCiphertext,
  fakeGrantStore,
  fakeHumanApi,
  fakeOutbox,
  fakeSecrets,
} from '../fakes.js';

const HUMAN_ID = 'h'.repeat(24);
const trusted = { kind: 'trusted' } as const;
/** Past the SDK's 3 attempts: the write fails. */
const PAST_RETRIES = 3;

let table: TokenTable;
let grants: DynamoDbGrantStore;
let recovery: DynamoDbRecoveryStore;
let users = 0;
let sessions = 0;

beforeAll(async () => {
  table = await startTokenTable();
  grants = new DynamoDbGrantStore(table.client, table.tableName);
  recovery = new DynamoDbRecoveryStore(table.client, table.tableName);
});

afterAll(async () => {
  await table?.close();
});

const newUser = () => {
  users += 1;
  return `user-${users}@example.com`;
};
const newSession = () => {
  sessions += 1;
  return { humanId: HUMAN_ID, clientId: CLIENT_ID, sessionToken: `s${String(sessions).padStart(31, '0')}` };
};
const stored = (clientUserId: string) => table.local.readItem(table.tableName, { clientUserId });

describe('finishSession', () => {
  let humanApi: ReturnType<typeof fakeHumanApi>;
  let secrets: ReturnType<typeof fakeSecrets>;
  let tokenCipher: ReturnType<typeof fakeCipher>;
  let outbox: ReturnType<typeof fakeOutbox>;
  /** What a finish needs, and what a refresh racing it needs (the same table, the same clock). */
  let dependencies: Parameters<typeof finishSession>[2] & Parameters<typeof recoverPublicToken>[2];
  /** The controllable clock: each reading is one second after the previous. */
  let clock: number;
  const tick = () => {
    clock += 1000;
    return new Date(clock);
  };

  beforeEach(() => {
    table.local.resetFaults();
    humanApi = fakeHumanApi();
    secrets = fakeSecrets('old-secret', 'new-secret');
    tokenCipher = fakeCipher();
    outbox = fakeOutbox();
    clock = Date.parse('2026-11-21T10:00:00Z');
    dependencies = {
      clientId: CLIENT_ID,
      humanApi,
      secrets,
      grants,
      recovery,
      tokenCipher,
      outbox,
      unsavedExchanges: createUnsavedExchanges(),
      now: tick,
    };
  });

  it('exchanges the signed session token, stores the accessToken only as ciphertext and answers only the public part', async () => {
    const alice = newUser();
    const session = newSession();
    humanApi.exchangeSessionToken.mockResolvedValue(exchangeFor(alice));

    const answer = await finishSession(session, trusted, dependencies);

    expect(answer).toEqual({ humanId: HUMAN_ID, clientUserId: alice, publicToken: 'p'.repeat(32) });
    expect(humanApi.exchangeSessionToken).toHaveBeenCalledWith({ ...session, clientSecret: 'old-secret' });
    const item = await stored(alice);
    expect(item).toMatchObject({ accessTokenCiphertext: fakeCiphertext(alice, 'a'.repeat(40)), version: 1 });
    expect(JSON.stringify(item)).not.toContain('a'.repeat(40));
  });

  it('replaces the tokens on every later finish and keeps createdAt', async () => {
    const alice = newUser();
    humanApi.exchangeSessionToken
      .mockResolvedValueOnce(exchangeFor(alice))
      .mockResolvedValueOnce(exchangeFor(alice, { accessToken: 'A'.repeat(40), publicToken: 'P'.repeat(32) }));
    await finishSession(newSession(), trusted, dependencies);
    const createdAt = (await stored(alice))?.createdAt;

    const answer = await finishSession(newSession(), trusted, dependencies);

    expect(answer.publicToken).toBe('P'.repeat(32));
    expect(await stored(alice)).toMatchObject({
      accessTokenCiphertext: fakeCiphertext(alice, 'A'.repeat(40)),
      createdAt,
      version: 2,
    });
  });

  it('refuses another app\u2019s clientId', () => {
    const session = newSession();
    expect(() => assertOwnClientId({ ...session, clientId: 'x'.repeat(40) }, CLIENT_ID)).toThrow(ForeignClientIdError);
    expect(() => assertOwnClientId(session, CLIENT_ID)).not.toThrow();
  });

  it('re-reads the secret once and retries once when Human API refuses the credentials', async () => {
    const session = newSession();
    humanApi.exchangeSessionToken
      .mockRejectedValueOnce(new HumanApiAuthError(401))
      .mockResolvedValue(exchangeFor(newUser()));

    await finishSession(session, trusted, dependencies);

    expect(secrets.refreshes).toBe(1);
    expect(humanApi.exchangeSessionToken).toHaveBeenLastCalledWith({ ...session, clientSecret: 'new-secret' });
  });

  it('gives up with HumanApiAuthError when the fresh secret is refused too, storing nothing', async () => {
    humanApi.exchangeSessionToken.mockRejectedValue(new HumanApiAuthError(401));

    await expect(finishSession(newSession(), trusted, dependencies)).rejects.toBeInstanceOf(HumanApiAuthError);
    expect(humanApi.exchangeSessionToken).toHaveBeenCalledTimes(2);
  });

  it('does not retry other Human API failures', async () => {
    humanApi.exchangeSessionToken.mockRejectedValue(new HumanApiRejectedError(400));

    await expect(finishSession(newSession(), trusted, dependencies)).rejects.toBeInstanceOf(HumanApiRejectedError);
    expect(humanApi.exchangeSessionToken).toHaveBeenCalledTimes(1);
    expect(secrets.refreshes).toBe(0);
  });

  it.each([
    ['for another app', { clientId: 'x'.repeat(40) }],
    ['for another humanId than the posted one', { humanId: 'z'.repeat(24) }],
    ['with a clientUserId holding a control character', { clientUserId: 'alice\u0000@example.com' }],
    ['with a clientUserId holding a lone surrogate', { clientUserId: 'alice\ud800@example.com' }],
    ['with a clientUserId over the length limit', { clientUserId: 'a'.repeat(257) }],
    ['with a clientUserId over DynamoDB\u2019s key size', { clientUserId: '\u{1f600}'.repeat(600) }],
  ])('answers 502 and stores nothing for an answer %s', async (_, overrides) => {
    const alice = newUser();
    humanApi.exchangeSessionToken.mockResolvedValue(exchangeFor(alice, overrides));

    await expect(finishSession(newSession(), trusted, dependencies)).rejects.toBeInstanceOf(HumanApiFailedError);
    expect(await stored(alice)).toBeUndefined();
    expect(outbox.sent).toEqual([]);
  });

  it('in JWT mode, answers 403 and stores nothing when the session belongs to another user', async () => {
    const alice = newUser();
    humanApi.exchangeSessionToken.mockResolvedValue(exchangeFor(alice));

    await expect(finishSession(newSession(), { kind: 'user', userId: 'mallory' }, dependencies)).rejects.toBeInstanceOf(
      CallerMismatchError,
    );
    expect(await stored(alice)).toBeUndefined();
  });

  it('in JWT mode, stores the session of the caller', async () => {
    const alice = newUser();
    humanApi.exchangeSessionToken.mockResolvedValue(exchangeFor(alice));

    await finishSession(newSession(), { kind: 'user', userId: alice }, dependencies);

    expect(await stored(alice)).toBeDefined();
  });

  it('answers 200 and queues the grant (accessToken encrypted, issue times included) when the write fails', async () => {
    const alice = newUser();
    humanApi.exchangeSessionToken.mockResolvedValue(exchangeFor(alice));
    table.local.injectFault({ operation: 'UpdateItem', count: PAST_RETRIES });

    const answer = await finishSession(newSession(), trusted, dependencies);

    expect(answer).toEqual({ humanId: HUMAN_ID, clientUserId: alice, publicToken: 'p'.repeat(32) });
    expect(outbox.sent).toEqual([
      {
        clientUserId: alice,
        humanId: HUMAN_ID,
        clientId: CLIENT_ID,
        accessTokenCiphertext: fakeCiphertext(alice, 'a'.repeat(40)),
        accessTokenIssuedAt: '2026-11-21T10:00:01.000Z',
        publicToken: 'p'.repeat(32),
        publicTokenIssuedAt: '2026-11-21T10:00:01.000Z',
      },
    ]);
    expect(await stored(alice)).toBeUndefined();
  });

  it('answers 503 and holds the exchange when the outbox fails too; the retry stores it without a second exchange', async () => {
    const alice = newUser();
    const session = newSession();
    humanApi.exchangeSessionToken.mockResolvedValueOnce(exchangeFor(alice));
    table.local.injectFault({ operation: 'UpdateItem', count: PAST_RETRIES });
    outbox.failing = true;

    await expect(finishSession(session, trusted, dependencies)).rejects.toBeInstanceOf(DependencyUnavailableError);
    const answer = await finishSession(session, trusted, dependencies);

    expect(answer.publicToken).toBe('p'.repeat(32));
    expect(humanApi.exchangeSessionToken).toHaveBeenCalledTimes(1);
    expect(await stored(alice)).toMatchObject({ accessTokenCiphertext: fakeCiphertext(alice, 'a'.repeat(40)) });
  });

  it('answers 503 and holds the exchange when KMS fails; the plaintext stays in memory only', async () => {
    const alice = newUser();
    const session = newSession();
    humanApi.exchangeSessionToken.mockResolvedValueOnce(exchangeFor(alice));
    tokenCipher.failing = true;

    await expect(finishSession(session, trusted, dependencies)).rejects.toBeInstanceOf(DependencyUnavailableError);
    tokenCipher.failing = false;
    await finishSession(session, trusted, dependencies);

    expect(outbox.sent).toEqual([]);
    expect(humanApi.exchangeSessionToken).toHaveBeenCalledTimes(1);
    expect(await stored(alice)).toMatchObject({ version: 1 });
  });

  it('keeps finish #2\u2019s accessToken when its write fails, a refresh lands in the gap, and the client retries', async () => {
    // Prepare: finish #1 stored; finish #2 exchanged, its write and the outbox fail (503).
    const alice = newUser();
    const second = newSession();
    humanApi.exchangeSessionToken
      .mockResolvedValueOnce(exchangeFor(alice, { accessToken: '1'.repeat(40), publicToken: '1'.repeat(32) }))
      .mockResolvedValueOnce(exchangeFor(alice, { accessToken: '2'.repeat(40), publicToken: '2'.repeat(32) }));
    humanApi.createPublicToken.mockResolvedValue({ humanId: HUMAN_ID, publicToken: 'R'.repeat(32) });
    await finishSession(newSession(), trusted, dependencies);
    table.local.injectFault({ operation: 'UpdateItem', count: PAST_RETRIES });
    outbox.failing = true;
    await expect(finishSession(second, trusted, dependencies)).rejects.toBeInstanceOf(DependencyUnavailableError);

    // Act: a refresh lands in the gap, then the client retries finish #2.
    await recoverPublicToken({ clientUserId: alice, refresh: true }, trusted, dependencies);
    const retry = await finishSession(second, trusted, dependencies);

    // Assess: #2's accessToken, and the refresh's publicToken (issued after #2's).
    expect(retry.publicToken).toBe('R'.repeat(32));
    expect(await stored(alice)).toMatchObject({
      accessTokenCiphertext: fakeCiphertext(alice, '2'.repeat(40)),
      publicToken: 'R'.repeat(32),
    });
  });

  it('keeps a slow refresh\u2019s own newer publicToken when a finish lands during its Human API call', async () => {
    // Prepare
    const alice = newUser();
    humanApi.exchangeSessionToken
      .mockResolvedValueOnce(exchangeFor(alice, { publicToken: '1'.repeat(32) }))
      .mockResolvedValueOnce(exchangeFor(alice, { accessToken: 'F'.repeat(40), publicToken: 'F'.repeat(32) }));
    await finishSession(newSession(), trusted, dependencies);
    const answered = gate();
    const called = gate();
    humanApi.createPublicToken.mockImplementation(async () => {
      called.open();
      await answered.opened;
      return { humanId: HUMAN_ID, publicToken: 'R'.repeat(32) };
    });

    // Act: the refresh has read the record and waits on Human API; a finish lands; Human API answers.
    const refreshing = recoverPublicToken({ clientUserId: alice, refresh: true }, trusted, dependencies);
    await called.opened;
    await finishSession(newSession(), trusted, dependencies);
    answered.open();
    const refreshed = await refreshing;

    // Assess
    expect(refreshed.publicToken).toBe('R'.repeat(32));
    expect(await stored(alice)).toMatchObject({
      accessTokenCiphertext: fakeCiphertext(alice, 'F'.repeat(40)),
      publicToken: 'R'.repeat(32),
    });
  });

  it('does not let a late retry of an older exchange overwrite newer tokens; it answers the newer publicToken', async () => {
    const alice = newUser();
    const first = newSession();
    humanApi.exchangeSessionToken
      .mockResolvedValueOnce(exchangeFor(alice, { publicToken: 'A'.repeat(32) }))
      .mockResolvedValueOnce(exchangeFor(alice, { publicToken: 'B'.repeat(32) }));
    table.local.injectFault({ operation: 'UpdateItem', count: PAST_RETRIES });
    outbox.failing = true;
    await expect(finishSession(first, trusted, dependencies)).rejects.toBeInstanceOf(DependencyUnavailableError);
    outbox.failing = false;
    await finishSession(newSession(), trusted, dependencies);

    const lateRetry = await finishSession(first, trusted, dependencies);

    expect(lateRetry.publicToken).toBe('B'.repeat(32));
    expect(await stored(alice)).toMatchObject({ publicToken: 'B'.repeat(32), version: 1 });
    expect(humanApi.exchangeSessionToken).toHaveBeenCalledTimes(2);
  });

  it('answers UserDeletedError and stores nothing when the user was deleted after Human API answered', async () => {
    // Prepare: the user's tombstone, deleted half a minute after the exchange (the clock's first reading).
    const alice = newUser();
    const tombstone = { clientUserId: alice, deletedAt: '2026-11-21T10:00:30.000Z', purgeAt: 1_800_000_000 };
    await table.client.send(new PutCommand({ TableName: table.tableName, Item: tombstone }));
    humanApi.exchangeSessionToken.mockResolvedValue(exchangeFor(alice));

    // Act
    const finishing = finishSession(newSession(), trusted, dependencies);

    // Assess: nothing of the grant stored, nothing queued.
    await expect(finishing).rejects.toBeInstanceOf(UserDeletedError);
    expect(await stored(alice)).toEqual(tombstone);
    expect(outbox.sent).toEqual([]);
  });

  it('answers UserDeletedError, queuing nothing, when the grant store answers no stored publicToken', async () => {
    const alice = newUser();
    humanApi.exchangeSessionToken.mockResolvedValue(exchangeFor(alice));
    const deletedUser = fakeGrantStore(() => undefined);

    await expect(finishSession(newSession(), trusted, { ...dependencies, grants: deletedUser })).rejects.toBeInstanceOf(
      UserDeletedError,
    );
    expect(deletedUser.stored).toHaveLength(1);
    expect(outbox.sent).toEqual([]);
  });
});

describe('currentPublicToken (what a replay answers)', () => {
  it('answers the user\u2019s current publicToken, or the stored answer when there is no record of that humanId', async () => {
    const alice = newUser();
    const nobody = newUser();
    const at = '2026-11-21T10:00:00.000Z';
    await grants.storeGrant(
      {
        clientUserId: alice,
        humanId: HUMAN_ID,
        clientId: CLIENT_ID,
        accessTokenCiphertext: 'c',
        accessTokenIssuedAt: at,
        publicToken: 'current',
        publicTokenIssuedAt: at,
      },
      new Date(at),
    );

    expect(await currentPublicToken({ humanId: HUMAN_ID, clientUserId: alice, publicToken: 'old' }, grants)).toEqual({
      humanId: HUMAN_ID,
      clientUserId: alice,
      publicToken: 'current',
    });
    const orphan = { humanId: HUMAN_ID, clientUserId: nobody, publicToken: 'old' };
    expect(await currentPublicToken(orphan, grants)).toEqual(orphan);
    await expect(currentPublicToken({ publicToken: 1 }, grants)).rejects.toBeInstanceOf(DependencyUnavailableError);
  });
});

describe('currentPublicToken after a deletion (a replay never answers a deleted user\u2019s publicToken)', () => {
  const at = '2026-11-21T10:00:00.000Z';
  const grant = (clientUserId: string, humanId: string, publicToken: string, issuedAt: string) => ({
    clientUserId,
    humanId,
    clientId: CLIENT_ID,
    accessTokenCiphertext: 'c',
    accessTokenIssuedAt: issuedAt,
    publicToken,
    publicTokenIssuedAt: issuedAt,
  });

  it('answers UserDeletedError when the user\u2019s record is a tombstone', async () => {
    const alice = newUser();
    await table.client.send(
      new PutCommand({ TableName: table.tableName, Item: { clientUserId: alice, deletedAt: at, version: 2 } }),
    );

    await expect(
      currentPublicToken({ humanId: HUMAN_ID, clientUserId: alice, publicToken: 'deleted' }, grants),
    ).rejects.toBeInstanceOf(UserDeletedError);
  });

  it('answers UserDeletedError when the user connected again as another human since', async () => {
    const alice = newUser();
    await table.client.send(
      new PutCommand({ TableName: table.tableName, Item: { clientUserId: alice, deletedAt: at, version: 2 } }),
    );
    await grants.storeGrant(grant(alice, 'n'.repeat(24), 'new-human', '2026-11-21T11:00:00.000Z'), new Date());

    await expect(
      currentPublicToken({ humanId: HUMAN_ID, clientUserId: alice, publicToken: 'deleted' }, grants),
    ).rejects.toBeInstanceOf(UserDeletedError);
  });

  it('answers the current publicToken of a user who connected again as the same human', async () => {
    const alice = newUser();
    await table.client.send(
      new PutCommand({ TableName: table.tableName, Item: { clientUserId: alice, deletedAt: at, version: 2 } }),
    );
    await grants.storeGrant(grant(alice, HUMAN_ID, 'again', '2026-11-21T11:00:00.000Z'), new Date());

    expect(
      await currentPublicToken({ humanId: HUMAN_ID, clientUserId: alice, publicToken: 'deleted' }, grants),
    ).toEqual({ humanId: HUMAN_ID, clientUserId: alice, publicToken: 'again' });
  });
});

describe('finishSession lists its idempotency record', () => {
  it('hands the record to the token write, so a deletion of the user finds it', async () => {
    const alice = newUser();
    const humanApi = fakeHumanApi();
    humanApi.exchangeSessionToken.mockResolvedValue(exchangeFor(alice));
    const record = { id: 'finishSession#listed', expiresAt: 1_900_000_000 };

    await finishSession(
      newSession(),
      trusted,
      {
        clientId: CLIENT_ID,
        humanApi,
        secrets: fakeSecrets('secret'),
        grants,
        tokenCipher: fakeCipher(),
        outbox: fakeOutbox(),
        unsavedExchanges: createUnsavedExchanges(),
      },
      record,
    );

    expect((await stored(alice))?.idempotencyRecords).toEqual([record]);
  });
});
