import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';

let local: LocalModeProcess;
let withRealAuth: LocalModeProcess;

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
    env: { HUMANAPI_BASE_URL: 'https://user.humanapi.co', HUMANAPI_CLIENT_SECRET: 'a-real-looking-secret' },
  });
  // The v1 sandbox serves, but the current generation talks to a real Human API (never called here).
  withRealAuth = await startLocalModeProcess({ env: { HUMANAPI_AUTH_BASE_URL: 'https://auth.humanapi.co' } });
});

afterAll(async () => {
  await local?.stop();
  await withRealAuth?.stop();
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

describe('local mode with a real HUMANAPI_AUTH_BASE_URL (the v1 sandbox serving alone)', () => {
  it.each(HOOKS)('has no %s (404): hooks exist only while both sandboxes serve', async (_case, method, path) => {
    expect(await call(withRealAuth.apiUrl, method, path)).toBe(404);
  });

  it('still serves the v1 sandbox and connect.js, which the functions and the page need', async () => {
    const minted = await post(`${withRealAuth.apiUrl}/sandbox/humanapi/v1/connect/sessions`, { clientUserId: 'alice' });
    const connectJs = await fetch(`${withRealAuth.apiUrl}/sandbox/connect.js`);

    expect([minted.status, connectJs.status]).toEqual([201, 200]);
  });

  it('still serves the data API sandbox, for the v1 sandbox’s access tokens', async () => {
    const answer = await fetch(`${withRealAuth.apiUrl}/sandbox/humanapi-data/v1/human/profile`);

    expect(answer.status).toBe(401);
  });
});
