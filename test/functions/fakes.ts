/** Hand-rolled fakes of the domain's narrow ports (the AWS SDK is mocked with aws-sdk-client-mock elsewhere). */
import { vi } from 'vitest';
import type { ClientSecretSource } from '../../functions/adapters/client-secret.js';
import type { HumanApiClient, SessionExchange } from '../../functions/adapters/human-api.js';
import type { RecoveryRecord, TokenRecord, TokenStore } from '../../functions/adapters/token-store.js';

/** This app's client ID in domain tests. */
export const CLIENT_ID = 'c'.repeat(40);

/** A session exchange as Human API answers it. */
export function exchangeFor(clientUserId: string, overrides: Partial<SessionExchange> = {}): SessionExchange {
  return {
    humanId: 'h'.repeat(24),
    accessToken: 'a'.repeat(40),
    publicToken: 'p'.repeat(32),
    clientId: CLIENT_ID,
    clientUserId,
    ...overrides,
  };
}

/** A Human API whose calls are spies. */
export function fakeHumanApi(): { [K in keyof HumanApiClient]: ReturnType<typeof vi.fn<HumanApiClient[K]>> } {
  return { exchangeSessionToken: vi.fn(), createPublicToken: vi.fn() };
}

/** A secret source returning `current` (and `rotated` after a refresh). */
export function fakeSecrets(current = 'old-secret', rotated = current): ClientSecretSource & { refreshes: number } {
  const source = {
    refreshes: 0,
    async getClientSecret({ refresh = false } = {}) {
      if (refresh) source.refreshes += 1;
      return source.refreshes > 0 ? rotated : current;
    },
  };
  return source;
}

/** What recovery may see of a record, as the projected reads answer it: no access token. */
function recoveryView({ clientUserId, humanId, publicToken, version }: TokenRecord): RecoveryRecord {
  return { clientUserId, humanId, publicToken, version };
}

/** An in-memory token store with the same upsert and condition semantics as DynamoDB's. */
export function memoryTokenStore(): TokenStore & { records: Map<string, TokenRecord>; failWrites: boolean } {
  const records = new Map<string, TokenRecord>();
  const store = {
    records,
    failWrites: false,
    async upsertTokenRecord(
      grant: Parameters<TokenStore['upsertTokenRecord']>[0],
      { exchangedAt, now }: Parameters<TokenStore['upsertTokenRecord']>[1],
    ) {
      if (store.failWrites) throw new Error('write failed');
      const previous = records.get(grant.clientUserId);
      // Tokens from a later exchange stand, as DynamoDB's condition keeps them.
      if (previous?.exchangedAt !== undefined && previous.exchangedAt > exchangedAt.toISOString()) return previous;
      const record: TokenRecord = {
        ...grant,
        createdAt: previous?.createdAt ?? now.toISOString(),
        updatedAt: now.toISOString(),
        exchangedAt: exchangedAt.toISOString(),
        version: (previous?.version ?? 0) + 1,
      };
      records.set(grant.clientUserId, record);
      return record;
    },
    async getTokenRecord(clientUserId: string) {
      return records.get(clientUserId);
    },
    async getRecoveryRecord(clientUserId: string) {
      const record = records.get(clientUserId);
      return record === undefined ? undefined : recoveryView(record);
    },
    async findRecoveryRecordByHumanId(humanId: string) {
      const record = [...records.values()].find((candidate) => candidate.humanId === humanId);
      return record === undefined ? undefined : recoveryView(record);
    },
    async replacePublicToken(
      current: Pick<TokenRecord, 'clientUserId' | 'humanId' | 'version'>,
      publicToken: string,
      now: Date,
    ) {
      const record = records.get(current.clientUserId);
      if (record === undefined || record.humanId !== current.humanId || record.version !== current.version)
        return undefined;
      const updated = {
        ...record,
        publicToken,
        updatedAt: now.toISOString(),
        exchangedAt: now.toISOString(),
        version: record.version + 1,
      };
      records.set(current.clientUserId, updated);
      return recoveryView(updated);
    },
  };
  return store;
}
