/**
 * Scans captured log lines for secrets. Every token and secret the sandbox
 * issues is lowercase hex: accessTokens and client secrets 40 characters,
 * publicTokens and session tokens 32. humanIds (24) may be logged; nothing of
 * 32 hex characters or more may, except the (public) clientId.
 */
export function findSecretsInLogs(lines: readonly string[], allowed: readonly string[]): string[] {
  const found: string[] = [];
  for (const line of lines) {
    for (const match of line.matchAll(/[0-9a-f]{32,}/gi)) {
      if (!allowed.includes(match[0])) found.push(match[0]);
    }
  }
  return found;
}
