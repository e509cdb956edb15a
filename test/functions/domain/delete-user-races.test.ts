/**
 * The promise of a deletion, "the deleted tokens never come back", under deterministic
 * interleavings against dynalite and local KMS, with the functions' own domain code and adapters:
 * a finish whose exchange and write fall before or after the tombstone, a write landing between the
 * deletion's read and write, an idempotency record completed after the deletion removed it, the
 * outbox drain and a redrive delivering a grant issued before the deletion (and after the tombstone
 * expired), the reader minting as the deletion lands, a refresh and a /connect-tokens call in flight.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createIdempotency } from '../../../functions/adapters/idempotency.js';
import { DynamoDbIdempotencyRecords } from '../../../functions/adapters/idempotency-records.js';
import { DynamoDbConnectUserStore } from '../../../functions/adapters/token-table/connect-users.js';
import { DynamoDbGrantStore } from '../../../functions/adapters/token-table/grants.js';
import { DynamoDbRecoveryStore } from '../../../functions/adapters/token-table/recovery.js';
import { DynamoDbTombstones } from '../../../functions/adapters/token-table/tombstones.js';
import type { UserPublicToken } from '../../../functions/contract/answers.js';
import { deleteUser } from '../../../functions/domain/delete-user.js';
import { applyQueuedGrant } from '../../../functions/domain/drain-outbox.js';
import { HumanApiRejectedError, TokenRecordNotFoundError, UserDeletedError } from '../../../functions/domain/errors.js';
import { type FinishSessionKey, finishSession, finishSessionKey } from '../../../functions/domain/finish-session.js';
import { grantMessageOf } from '../../../functions/domain/grant-message.js';
import type { TokenGrant } from '../../../functions/domain/ports.js';
import { recoverPublicToken } from '../../../functions/domain/recover-public-token.js';
import { createUnsavedExchanges } from '../../../functions/domain/unsaved-exchanges.js';
import { createAccessTokenReader } from '../../../functions/reader/read-access-token.js';
import { LOCAL_TABLE_NAMES } from '../../../local/dynamodb.js';
import { LOCAL_TOKEN_KEY_ID, type LocalKms, startLocalKms } from '../../../local/kms.js';
import { createLambdaContext } from '../../../local/lambda-adapter.js';
import { gate, startTokenTable, type TokenTable } from '../../support/token-table.js';
import {
  CLIENT_ID,
  exchangeFor,
  fakeCipher,
  fakeCiphertext,
  fakeHumanApi,
  fakeOutbox,
  fakeRejectedGrants,
  fakeSecrets,
} from '../fakes.js';

const HUMAN_ID = 'h'.repeat(24);
const trusted = { kind: 'trusted', principal: 'arn:aws:iam::123456789012:role/app-backend' } as const;
const context = createLambdaContext('finishSession', 20_000);
/** 2026-12-04T10:00:SSZ: `at(20)` is twenty seconds after `at(0)`. */
const at = (second: number) => new Date(Date.UTC(2026, 11, 4, 10, 0, second));
const DAY_MS = 24 * 60 * 60 * 1000;

let table: TokenTable;
let kms: LocalKms;
let grants: DynamoDbGrantStore;
let users = 0;
let sessions = 0;
const newUser = () => {
  users += 1;
  return `race-${users}@example.com`;
};
const newSession = () => {
  sessions += 1;
  return { humanId: HUMAN_ID, clientId: CLIENT_ID, sessionToken: `s${String(sessions).padStart(31, '0')}` };
};
const stored = (clientUserId: string) => table.local.readItem(table.tableName, { clientUserId });
const idempotencyRecord = (id: string) => table.local.readItem(LOCAL_TABLE_NAMES.idempotency, { id });
/** The attributes a tombstone keeps; anything else would be a token or an identity come back. */
const TOMBSTONE_KEYS = [
  'clientUserId',
  'deletedAt',
  'idempotencyRecords',
  'lastWriteId',
  'purgeAt',
  'updatedAt',
  'version',
];
const keysOf = (item: Record<string, unknown> | undefined) => Object.keys(item ?? {}).sort();

beforeAll(async () => {
  table = await startTokenTable();
  kms = await startLocalKms({ keyPath: undefined });
  grants = new DynamoDbGrantStore(table.client, table.tableName);
});

afterAll(async () => {
  await kms?.close();
  await table?.close();
});

/** The deletion as the deleteUser function runs it, at `now`, its rechecks told to `sleep`. */
function deletion(
  now: Date,
  {
    sleep = async () => undefined,
    client = table.client,
  }: { sleep?: (ms: number) => Promise<unknown>; client?: TokenTable['client'] } = {},
) {
  return (clientUserId: string) =>
    deleteUser(clientUserId, trusted, {
      tombstones: new DynamoDbTombstones(client, table.tableName),
      idempotencyRecords: new DynamoDbIdempotencyRecords(table.client, LOCAL_TABLE_NAMES.idempotency),
      now: () => now,
      sleep,
    });
}

/**
 * A finish as the finishSession function runs it (Powertools Idempotency on the idempotency table,
 * the exchange, encryption, the token write): Human API answers at `exchangedAt`; `beforeWrite`
 * runs between the exchange and the token write; `idempotencyHook` sees the idempotency table's requests.
 */
function finisher(
  clientUserId: string,
  {
    exchangedAt,
    beforeWrite,
    idempotencyHook,
  }: {
    exchangedAt: Date;
    beforeWrite?: () => Promise<void>;
    idempotencyHook?: (operation: string) => Promise<'pass'>;
  },
) {
  const humanApi = fakeHumanApi();
  const cipher = fakeCipher();
  const outbox = fakeOutbox();
  const once = createIdempotency<FinishSessionKey, UserPublicToken>({
    tableName: LOCAL_TABLE_NAMES.idempotency,
    dynamoDb: table.freshBaseClient(idempotencyHook),
    expiresAfterSeconds: 3600,
    onReplay: async (replayed) => replayed as UserPublicToken,
  });
  return {
    outbox,
    humanApi,
    finish(publicToken: string, session = newSession()) {
      humanApi.exchangeSessionToken.mockResolvedValueOnce(
        exchangeFor(clientUserId, { publicToken, accessToken: `access-${publicToken}` }),
      );
      const tokenCipher = {
        async encrypt(user: string, plaintext: string) {
          await beforeWrite?.();
          return cipher.encrypt(user, plaintext);
        },
      };
      const dependencies = {
        clientId: CLIENT_ID,
        humanApi,
        secrets: fakeSecrets('secret'),
        grants,
        tokenCipher,
        outbox,
        unsavedExchanges: createUnsavedExchanges(),
        now: () => exchangedAt,
      };
      let recordId = '';
      const answer = once(finishSessionKey(session, trusted), context, (record) => {
        recordId = record.id;
        return finishSession(session, trusted, dependencies, record);
      });
      return { answer, session, recordId: () => recordId };
    },
  };
}

describe('deletion vs a finish', () => {
  it('exchange before the deletion, write after the tombstone: 409, nothing stored, nothing queued', async () => {
    // Prepare: a connected user; a second finish exchanged at t10 pauses before its token write.
    const alice = newUser();
    await finisher(alice, { exchangedAt: at(1) }).finish('public-first').answer;
    const exchanged = gate();
    const write = gate();
    const late = finisher(alice, {
      exchangedAt: at(10),
      beforeWrite: async () => {
        exchanged.open();
        await write.opened;
      },
    });
    const finishing = late.finish('public-late');
    await exchanged.opened;

    // Act: the deletion at t20 lands, then the finish writes.
    const deleted = await deletion(at(20))(alice);
    write.open();

    // Assess
    await expect(finishing.answer).rejects.toBeInstanceOf(UserDeletedError);
    expect(deleted.deleted).toEqual({ tokenRecord: true, idempotencyRecords: 1, atHumanApi: false });
    expect(keysOf(await stored(alice))).toEqual(TOMBSTONE_KEYS);
    expect(late.outbox.sent).toEqual([]);
    // Powertools removed the late finish's in-progress record: nothing holds its publicToken.
    expect(await idempotencyRecord(finishing.recordId())).toBeUndefined();
  });

  it('exchange and write before the deletion: removed with its idempotency record, and a replay cannot answer it', async () => {
    // Prepare
    const bob = newUser();
    const connected = finisher(bob, { exchangedAt: at(1) });
    const first = connected.finish('public-bob');
    expect(await first.answer).toMatchObject({ publicToken: 'public-bob' });
    expect(await idempotencyRecord(first.recordId())).toMatchObject({ status: 'COMPLETED' });

    // Act
    const deleted = await deletion(at(20))(bob);
    // The client replays the same sessionTokenObject: no record answers it; the exchange is spent.
    connected.humanApi.exchangeSessionToken.mockRejectedValueOnce(new HumanApiRejectedError(400));
    const replay = connected.finish('never', first.session).answer;

    // Assess
    expect(deleted).toEqual({
      clientUserId: bob,
      deletedAt: at(20).toISOString(),
      deleted: { tokenRecord: true, idempotencyRecords: 1, atHumanApi: false },
    });
    expect(await idempotencyRecord(first.recordId())).toBeUndefined();
    await expect(replay).rejects.toBeInstanceOf(HumanApiRejectedError);
    expect(keysOf(await stored(bob))).toEqual(TOMBSTONE_KEYS);
  });

  it('exchange after the deletion: the user connects again from scratch', async () => {
    const carol = newUser();
    await finisher(carol, { exchangedAt: at(1) }).finish('public-old').answer;
    await deletion(at(20))(carol);

    const again = await finisher(carol, { exchangedAt: at(30) }).finish('public-new').answer;

    expect(again).toEqual({ humanId: HUMAN_ID, clientUserId: carol, publicToken: 'public-new' });
    const item = await stored(carol);
    expect(item).toMatchObject({
      humanId: HUMAN_ID,
      publicToken: 'public-new',
      accessTokenCiphertext: fakeCiphertext(carol, 'access-public-new'),
      createdAt: at(30).toISOString(),
      deletedAt: at(20).toISOString(),
    });
    expect(item).not.toHaveProperty('purgeAt');
  });

  it('a finish writing between the deletion\u2019s read and write: the deletion reads again and removes it too', async () => {
    // Prepare: the deletion pauses before its first tombstone write.
    const dave = newUser();
    await finisher(dave, { exchangedAt: at(1) }).finish('public-1').answer;
    const paused = gate();
    const resume = gate();
    let writes = 0;
    const client = table.freshClient(async (operation) => {
      if (operation === 'UpdateItem' && ++writes === 1) {
        paused.open();
        await resume.opened;
      }
      return 'pass';
    });
    const deleting = deletion(at(20), { client })(dave);
    await paused.opened;

    // Act: a finish exchanged at t15 completes meanwhile.
    const racing = finisher(dave, { exchangedAt: at(15) }).finish('public-2');
    expect(await racing.answer).toMatchObject({ publicToken: 'public-2' });
    resume.open();
    const deleted = await deleting;

    // Assess
    expect(deleted.deleted).toEqual({ tokenRecord: true, idempotencyRecords: 2, atHumanApi: false });
    expect(keysOf(await stored(dave))).toEqual(TOMBSTONE_KEYS);
    expect(await idempotencyRecord(racing.recordId())).toBeUndefined();
  });

  it('a finish completing its idempotency record after the deletion removed it: removed again', async () => {
    // Prepare: the finish's tokens land; Powertools' completion of its record waits.
    const erin = newUser();
    const complete = gate();
    const completing = gate();
    let idempotencyUpdates = 0;
    const inFlight = finisher(erin, {
      exchangedAt: at(10),
      idempotencyHook: async (operation) => {
        if (operation === 'UpdateItem' && ++idempotencyUpdates === 1) {
          completing.open();
          await complete.opened;
        }
        return 'pass';
      },
    });
    const finishing = inFlight.finish('public-in-flight');
    await completing.opened;

    // Act: the deletion removes the in-progress record; while it pauses, the finish completes it.
    const sleep = vi.fn(async () => {
      complete.open();
      await finishing.answer;
    });
    const deleted = await deletion(at(20), { sleep })(erin);

    // Assess
    expect(await finishing.answer).toMatchObject({ publicToken: 'public-in-flight' });
    expect(sleep).toHaveBeenCalledTimes(1);
    expect(deleted.deleted).toEqual({ tokenRecord: true, idempotencyRecords: 1, atHumanApi: false });
    expect(await idempotencyRecord(finishing.recordId())).toBeUndefined();
    expect(keysOf(await stored(erin))).toEqual(TOMBSTONE_KEYS);
  });
});

describe('deletion vs the outbox', () => {
  const grantOf = (clientUserId: string, name: string, issuedAt: Date): TokenGrant => ({
    clientUserId,
    humanId: HUMAN_ID,
    clientId: CLIENT_ID,
    accessTokenCiphertext: fakeCiphertext(clientUserId, `access-${name}`),
    accessTokenIssuedAt: issuedAt.toISOString(),
    publicToken: `public-${name}`,
    publicTokenIssuedAt: issuedAt.toISOString(),
  });
  const drain = (body: string, now: Date, rejected = fakeRejectedGrants()) =>
    applyQueuedGrant(body, { clientId: CLIENT_ID, grants, rejected, now: () => now }).then(() => rejected);

  it('a grant issued before the deletion, drained after it: dropped', async () => {
    const frank = newUser();
    await finisher(frank, { exchangedAt: at(1) }).finish('public-1').answer;
    const queued = grantMessageOf(grantOf(frank, 'queued', at(10)));
    await deletion(at(20))(frank);

    const rejected = await drain(queued, at(40));

    expect(rejected.rejected).toEqual([]);
    expect(keysOf(await stored(frank))).toEqual(TOMBSTONE_KEYS);
  });

  it('a grant issued before the deletion of a user never stored (the first write failed): dropped', async () => {
    const grace = newUser();
    const queued = grantMessageOf(grantOf(grace, 'first', at(10)));
    const deleted = await deletion(at(20))(grace);

    await drain(queued, at(40));

    expect(deleted.deleted).toEqual({ tokenRecord: false, idempotencyRecords: 0, atHumanApi: false });
    expect(keysOf(await stored(grace))).toEqual(TOMBSTONE_KEYS.filter((key) => key !== 'idempotencyRecords'));
  });

  it('a grant redriven after the deletion, delivered again and again: dropped each time', async () => {
    const heidi = newUser();
    await finisher(heidi, { exchangedAt: at(1) }).finish('public-1').answer;
    const deadLettered = grantMessageOf(grantOf(heidi, 'dead-lettered', at(10)));
    await deletion(at(20))(heidi);
    const tombstone = await stored(heidi);

    for (const receivedAt of [
      at(300),
      new Date(at(0).getTime() + 3 * DAY_MS),
      new Date(at(0).getTime() + 13 * DAY_MS),
    ]) {
      await drain(deadLettered, receivedAt);
    }

    expect(await stored(heidi)).toEqual(tombstone);
  });

  it('a grant issued before the deletion, arriving once the tombstone expired: too old, set aside', async () => {
    // Prepare: DynamoDB's TTL removed the tombstone at purgeAt (fifteen days on).
    const ivan = newUser();
    const queued = grantMessageOf(grantOf(ivan, 'ancient', at(10)));
    await deletion(at(20))(ivan);
    const purgeAt = Number((await stored(ivan))?.purgeAt) * 1000;
    await table.client.send(new DeleteCommand({ TableName: table.tableName, Key: { clientUserId: ivan } }));

    // Act
    const rejected = await drain(queued, new Date(purgeAt));

    // Assess
    expect(purgeAt).toBe(at(20).getTime() + 15 * DAY_MS);
    expect(rejected.rejected).toEqual([{ body: queued, problem: 'issued before the outbox\u2019s lifetime' }]);
    expect(await stored(ivan)).toBeUndefined();
  });

  it('a grant issued after the deletion (the user connected again): applied', async () => {
    const judy = newUser();
    await deletion(at(20))(judy);

    await drain(grantMessageOf(grantOf(judy, 'again', at(30))), at(40));

    expect(await stored(judy)).toMatchObject({ publicToken: 'public-again', deletedAt: at(20).toISOString() });
  });
});

describe('deletion vs the other writers', () => {
  it('the reader minting as the deletion lands: the token it minted is not stored', async () => {
    // Prepare: a current-generation user (a humanId, no v1 token); the mint at Human API pauses.
    const ken = newUser();
    await new DynamoDbConnectUserStore(table.client, table.tableName).recordConnectUser({
      clientUserId: ken,
      humanId: HUMAN_ID,
      clientId: CLIENT_ID,
      connected: true,
      now: at(1),
    });
    const minting = gate();
    const answer = gate();
    const reader = createAccessTokenReader({
      tableName: table.tableName,
      keyId: LOCAL_TOKEN_KEY_ID,
      dynamoDb: table.client,
      kms: new KMSClient({
        endpoint: kms.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
      clientId: CLIENT_ID,
      secrets: fakeSecrets('secret'),
      humanApiAuth: {
        mintSessionToken: vi.fn(),
        mintIdToken: vi.fn(),
        mintAccessToken: vi.fn(async () => {
          minting.open();
          await answer.opened;
          return { accessToken: 'm'.repeat(40), expiresIn: 86_400 };
        }),
      },
      // Minted at t30, after the deletion at t20: still not stored on the tombstone.
      now: () => at(30),
    });
    const reading = reader.readAccessToken({ clientUserId: ken });
    await minting.opened;

    // Act
    await deletion(at(20))(ken);
    answer.open();

    // Assess: the caller that asked gets the token Human API issued it; the vault keeps none.
    expect(await reading).toBe('m'.repeat(40));
    expect(keysOf(await stored(ken))).toEqual(TOMBSTONE_KEYS.filter((key) => key !== 'idempotencyRecords'));
    await expect(reader.readAccessToken({ clientUserId: ken })).rejects.toBeInstanceOf(TokenRecordNotFoundError);
  });

  it('a publicToken refresh in flight as the deletion lands: not stored', async () => {
    const liam = newUser();
    await finisher(liam, { exchangedAt: at(1) }).finish('public-1').answer;
    const refreshing = gate();
    const answer = gate();
    const humanApi = fakeHumanApi();
    humanApi.createPublicToken.mockImplementation(async () => {
      refreshing.open();
      await answer.opened;
      return { humanId: HUMAN_ID, publicToken: 'public-refreshed' };
    });
    const refresh = recoverPublicToken({ clientUserId: liam, refresh: true }, trusted, {
      clientId: CLIENT_ID,
      humanApi,
      secrets: fakeSecrets('secret'),
      recovery: new DynamoDbRecoveryStore(table.client, table.tableName),
      now: () => at(30),
    });
    await refreshing.opened;

    await deletion(at(20))(liam);
    answer.open();

    await expect(refresh).rejects.toBeInstanceOf(TokenRecordNotFoundError);
    expect(keysOf(await stored(liam))).toEqual(TOMBSTONE_KEYS);
  });

  it('a /connect-tokens call in flight as the deletion lands records the humanId again, and no token', async () => {
    // The one write that may follow a deletion: a user Human API still knows, recorded as if the
    // call had come just after the deletion (docs/design.md#deleting-a-user).
    const mia = newUser();
    await finisher(mia, { exchangedAt: at(1) }).finish('public-1').answer;
    await deletion(at(20))(mia);

    await new DynamoDbConnectUserStore(table.client, table.tableName).recordConnectUser({
      clientUserId: mia,
      humanId: HUMAN_ID,
      clientId: CLIENT_ID,
      connected: true,
      now: at(30),
    });

    const item = await stored(mia);
    expect(item).toMatchObject({
      humanId: HUMAN_ID,
      connectedAt: at(30).toISOString(),
      deletedAt: at(20).toISOString(),
    });
    for (const token of ['accessTokenCiphertext', 'publicToken', 'mintedAccessTokenCiphertext', 'purgeAt']) {
      expect(item).not.toHaveProperty(token);
    }
  });
});
