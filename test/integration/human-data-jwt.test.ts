/**
 * The data gateway in JWT mode against local mode: a signed-in user reads only their own health
 * data, by their id or `me`; another user's is 403 and nothing is read (docs/api.md#identity-modes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_AUTH_AUDIENCE } from '../../local/settings.js';
import { findFreePort } from '../support/free-port.js';
import { mintSession, post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';

let local: LocalModeProcess;

async function bearer(sub: string): Promise<Record<string, string>> {
  const answer = await post(`${local.apiUrl}/sandbox/auth/token`, { sub });
  return { authorization: `Bearer ${String(answer.json.token)}` };
}

async function gateway(path: string, headers: Record<string, string>) {
  const response = await fetch(`${local.apiUrl}${path}`, { headers, signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: JSON.parse(text) as Record<string, unknown>,
  };
}

const dataCalls = async () =>
  ((await (await fetch(`${local.apiUrl}/sandbox/humanapi-data/stats`)).json()) as { dataCalls: number }).dataCalls;

beforeAll(async () => {
  const port = await findFreePort();
  const issuer = `http://127.0.0.1:${port}/sandbox/auth`;
  local = await startLocalModeProcess({
    env: {
      PORT: String(port),
      AUTH_ISSUER: issuer,
      AUTH_AUDIENCE: LOCAL_AUTH_AUDIENCE,
      AUTH_JWKS_URL: `${issuer}/jwks.json`,
    },
  });
  // Alice connected with v1 (her own session, as the JWT mode's /sessions requires).
  const finished = await post(`${local.apiUrl}/sessions`, await mintSession(local.apiUrl, 'alice'), {
    headers: await bearer('alice'),
  });
  expect(finished.status).toBe(200);
});

afterAll(async () => {
  await local?.stop();
});

describe('GET /users/{clientUserId}/human/{path+} in JWT mode', () => {
  it.each([
    ['her own id', '/users/alice/human/activities/summaries?limit=14'],
    ['"me"', '/users/me/human/activities/summaries?limit=14'],
  ])('lets a user read her own data by %s, with the paging headers', async (_, path) => {
    const answer = await gateway(path, await bearer('alice'));

    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toHaveLength(14);
    expect(answer.headers.get('x-total-count')).toBe('90');
    // The link names the path as the caller asked it: "me" stays "me".
    expect(answer.headers.get('link')).toBe(`<${path.split('?')[0]}?limit=14&offset=14>; rel="next"`);
  });

  it('answers 403 caller-mismatch to a user naming another, reading nothing', async () => {
    const before = await dataCalls();

    const answer = await gateway('/users/alice/human/profile', await bearer('mallory'));

    expect(answer.status).toBe(403);
    expect(answer.headers.get('content-type')).toBe('application/problem+json');
    expect(answer.json).toMatchObject({ type: 'urn:humanconnect:problem:caller-mismatch' });
    expect(await dataCalls()).toBe(before);
  });

  it('answers API Gateway\u2019s 401 without a bearer token', async () => {
    const answer = await gateway('/users/me/human/profile', {});

    expect(answer.status).toBe(401);
    expect(answer.json).toEqual({ message: 'Unauthorized' });
  });

  it('answers 404 no-token-record to a signed-in user who never connected', async () => {
    const answer = await gateway('/users/me/human/profile', await bearer('newcomer'));

    expect(answer.status).toBe(404);
    expect(answer.json).toMatchObject({ type: 'urn:humanconnect:problem:no-token-record' });
  });

  it('lets the page read the paging headers cross-origin', async () => {
    const answer = await gateway('/users/me/human/sleeps/summaries?limit=1', {
      ...(await bearer('alice')),
      origin: local.webUrl,
    });

    expect(answer.headers.get('access-control-allow-origin')).toBe(local.webUrl);
    expect(answer.headers.get('access-control-expose-headers')).toBe('x-total-count,link');
  });
});
