import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';

let local: LocalModeProcess;

beforeAll(async () => {
  // A real Human API: the process never calls it in these tests (no session is finished).
  local = await startLocalModeProcess({
    env: { HUMANAPI_BASE_URL: 'https://user.humanapi.co', HUMANAPI_CLIENT_SECRET: 'a-real-looking-secret' },
  });
});

afterAll(async () => {
  await local?.stop();
});

describe('local mode with a real HUMANAPI_BASE_URL', () => {
  it.each([
    ['the DynamoDB fault hook', 'POST', '/sandbox/dynamodb/faults'],
    ['the Secrets Manager fault hook', 'POST', '/sandbox/secretsmanager/faults'],
    ['the fault reset hook', 'POST', '/sandbox/faults/reset'],
    ['the DynamoDB counters', 'GET', '/sandbox/dynamodb/stats'],
    ['the stored-record view', 'GET', '/sandbox/dynamodb/record?clientUserId=alice'],
    ['the development JWT issuer', 'POST', '/sandbox/auth/token'],
    ['the development JWKS', 'GET', '/sandbox/auth/jwks.json'],
    ['the Human API sandbox', 'POST', '/sandbox/humanapi/v1/connect/sessions'],
  ])('has no %s (404)', async (_case, method, path) => {
    const answer =
      method === 'POST'
        ? await post(`${local.apiUrl}${path}`, { sub: 'alice', count: 5 })
        : await fetch(`${local.apiUrl}${path}`);

    expect(answer.status).toBe(404);
  });

  it('still serves the API', async () => {
    const answer = await post(`${local.apiUrl}/sessions`, {});

    expect(answer.status).toBe(400);
  });
});
