import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';

/*
 * Local mode with a real Human API has no /sandbox/ path at all. The other half-real setting, a
 * real HUMANAPI_AUTH_BASE_URL beside the v1 sandbox, is refused at start (local/settings.ts): the
 * functions would send it the sandbox's secret.
 */
let local: LocalModeProcess;

const HOOKS = [
  ['the DynamoDB fault hook', 'POST', '/sandbox/dynamodb/faults'],
  ['the Secrets Manager fault hook', 'POST', '/sandbox/secretsmanager/faults'],
  ['the KMS fault hook', 'POST', '/sandbox/kms/faults'],
  ['the SQS fault hook', 'POST', '/sandbox/sqs/faults'],
  ['the fault reset hook', 'POST', '/sandbox/faults/reset'],
  ['the DynamoDB counters', 'GET', '/sandbox/dynamodb/stats'],
  ['the stored-record view', 'GET', '/sandbox/dynamodb/record?clientUserId=alice'],
  ['the development JWT issuer', 'POST', '/sandbox/auth/token'],
  ['the development JWKS', 'GET', '/sandbox/auth/jwks.json'],
  ['the Human API fault hook', 'POST', '/sandbox/humanapi/faults'],
  ['the Human API counters', 'GET', '/sandbox/humanapi/stats'],
  ['the secret rotation hook', 'POST', '/sandbox/humanapi/rotate-secret'],
  ['the access-token revocation hook', 'POST', '/sandbox/humanapi/revoke'],
  ['the Human API user-deletion hook', 'POST', '/sandbox/humanapi/users/delete'],
  ['the Human API data counters', 'GET', '/sandbox/humanapi-data/stats'],
] as const;

async function call(base: string, method: string, path: string): Promise<number> {
  const answer =
    method === 'POST' ? await post(`${base}${path}`, { sub: 'alice', count: 5 }) : await fetch(`${base}${path}`);
  return answer.status;
}

beforeAll(async () => {
  // A real Human API: the process never calls it in these tests (no session is finished).
  local = await startLocalModeProcess({
    env: {
      HUMANAPI_BASE_URL: 'https://user.humanapi.co',
      HUMANAPI_CLIENT_ID: 'f'.repeat(40),
      HUMANAPI_CLIENT_SECRET: 'a-real-looking-secret',
    },
  });
});

afterAll(async () => {
  await local?.stop();
});

describe('local mode with a real HUMANAPI_BASE_URL', () => {
  it.each([
    ...HOOKS,
    ['the Human API sandbox', 'POST', '/sandbox/humanapi/v1/connect/sessions'] as const,
    ['the Human API data sandbox', 'GET', '/sandbox/humanapi-data/v1/human/profile'] as const,
  ])('has no %s (404)', async (_case, method, path) => {
    expect(await call(local.apiUrl, method, path)).toBe(404);
  });

  it('still serves the API', async () => {
    const answer = await post(`${local.apiUrl}/sessions`, {});

    expect(answer.status).toBe(400);
  });
});
