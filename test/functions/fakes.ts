/** Hand-rolled fakes of the domain's ports (functions/domain/ports.ts); the AWS SDK is mocked with aws-sdk-client-mock elsewhere. */
import { vi } from 'vitest';
import { DependencyUnavailableError } from '../../functions/domain/errors.js';
import type { GrantStore, StoredPublicToken, TokenGrant } from '../../functions/domain/ports.js';
import type {
  ClientSecretSource,
  GrantOutbox,
  HumanApiConnect,
  RejectedGrants,
  SessionExchange,
  TokenCipher,
} from '../../functions/domain/service-ports.js';

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

/** A Human API whose v1 Connect calls are spies. */
export function fakeHumanApi(): { [K in keyof HumanApiConnect]: ReturnType<typeof vi.fn<HumanApiConnect[K]>> } {
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

/** What the fake cipher makes of an accessToken: readable by tests, and bound to the user like KMS's context. */
export const fakeCiphertext = (clientUserId: string, plaintext: string) =>
  Buffer.from(`${clientUserId}|${plaintext}`).toString('base64');

/** A cipher that "encrypts" reversibly (see {@link fakeCiphertext}), or fails while `failing`. */
export function fakeCipher(): TokenCipher & { failing: boolean } {
  const cipher = {
    failing: false,
    async encrypt(clientUserId: string, plaintext: string) {
      if (cipher.failing) throw new DependencyUnavailableError('KMS');
      return fakeCiphertext(clientUserId, plaintext);
    },
  };
  return cipher;
}

/** An outbox that keeps what it was sent, or fails while `failing`. */
export function fakeOutbox(): GrantOutbox & { sent: TokenGrant[]; failing: boolean } {
  const outbox = {
    sent: [] as TokenGrant[],
    failing: false,
    async send(grant: TokenGrant) {
      if (outbox.failing) throw new DependencyUnavailableError('the outbox');
      outbox.sent.push(grant);
    },
  };
  return outbox;
}

/** A rejected-grants queue that keeps what it was given, or fails while `failing`. */
export function fakeRejectedGrants(): RejectedGrants & {
  rejected: { body: string; problem: string }[];
  failing: boolean;
} {
  const queue = {
    rejected: [] as { body: string; problem: string }[],
    failing: false,
    async reject(body: string, problem: string) {
      if (queue.failing) throw new DependencyUnavailableError('the outbox');
      queue.rejected.push({ body, problem });
    },
  };
  return queue;
}

/**
 * A grant store whose `storeGrant` keeps every grant it is given and answers what `answer` says:
 * by default the grant's own publicToken at version 1 (as a first write would).
 */
export function fakeGrantStore(
  answer: (grant: TokenGrant) => StoredPublicToken | undefined = (grant) => ({
    clientUserId: grant.clientUserId,
    humanId: grant.humanId,
    publicToken: grant.publicToken,
    version: 1,
  }),
): GrantStore & { stored: TokenGrant[] } {
  const store = {
    stored: [] as TokenGrant[],
    async storeGrant(grant: TokenGrant) {
      store.stored.push(grant);
      return answer(grant);
    },
    async currentPublicToken() {
      return undefined;
    },
    async deletedAt() {
      return undefined;
    },
  };
  return store;
}
