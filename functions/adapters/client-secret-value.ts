/**
 * How the client secret is stored in Secrets Manager (docs/deploy.md#the-client-secret), apart
 * from the reading of it (./client-secret.ts), so a function that only parses it (the
 * notifications receiver, ./rotating-secret.ts) does not carry Powertools Parameters.
 */

/** The secret is `{"clientSecret":"…"}` or, accepted too, the plain secret string. */
export function parseClientSecret(value: string): string | undefined {
  const trimmed = value.trim();
  if (!trimmed.startsWith('{')) return trimmed === '' ? undefined : trimmed;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (typeof parsed === 'object' && parsed !== null && 'clientSecret' in parsed) {
      const { clientSecret } = parsed;
      if (typeof clientSecret === 'string' && clientSecret !== '') return clientSecret;
    }
  } catch {
    // Not JSON after all: treated as unusable below, never echoed.
  }
  return undefined;
}
