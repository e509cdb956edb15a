import { HumanApiAuthError } from './errors.js';
import type { ClientSecretSource } from './service-ports.js';

/**
 * Calls Human API with the cached client secret; when Human API refuses the
 * credentials (401/403), re-reads the secret once and retries once, so a
 * rotation costs no failed request (docs/design.md#security-model).
 *
 * @throws {HumanApiAuthError} when the fresh secret is refused too
 */
export async function withClientSecret<T>(
  secrets: ClientSecretSource,
  call: (clientSecret: string) => Promise<T>,
): Promise<T> {
  try {
    return await call(await secrets.getClientSecret());
  } catch (error) {
    if (!(error instanceof HumanApiAuthError)) throw error;
  }
  return call(await secrets.getClientSecret({ refresh: true }));
}
