/** Hand-rolled fakes of the domain's narrow ports (the AWS SDK is mocked with aws-sdk-client-mock elsewhere). */
import { vi } from 'vitest';
import type { ClientSecretSource } from '../../functions/adapters/client-secret.js';
import type { HumanApiClient, SessionExchange } from '../../functions/adapters/human-api.js';
import type { Outbox } from '../../functions/adapters/outbox.js';
import type { TokenCipher } from '../../functions/adapters/token-cipher.js';
import type { TokenGrant } from '../../functions/adapters/token-store.js';
import { DependencyUnavailableError } from '../../functions/commons/errors.js';

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
export function fakeOutbox(): Outbox & { sent: TokenGrant[]; failing: boolean } {
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
