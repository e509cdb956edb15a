/**
 * `DELETE /users/{clientUserId}` in JWT mode over real HTTP: a signed-in user deletes only
 * themself (by id or as `me`); another user is 403 and nothing changes; no bearer token is API
 * Gateway's 401; the audit line names the user who asked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_AUTH_AUDIENCE } from '../../local/settings.js';
import { findFreePort } from '../support/free-port.js';
import { post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';

let local: LocalModeProcess;

async function bearer(sub: string): Promise<Record<string, string>> {
  const answer = await post(`${local.apiUrl}/sandbox/auth/token`, { sub });
  return { authorization: `Bearer ${String(answer.json.token)}` };
}
async function deleteAs(sub: string | undefined, path: string) {
  const response = await fetch(`${local.apiUrl}/users/${path}`, {
    method: 'DELETE',
    headers: sub === undefined ? {} : await bearer(sub),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}
/** A user connected through the current generation, as JWT mode's page does it. */
async function connected(sub: string): Promise<void> {
  const created = await post(
    `${local.apiUrl}/connect-tokens`,
    { email: `${sub}@example.com` },
    { headers: await bearer(sub) },
  );
  expect(created.status).toBe(200);
}
async function humanIdOf(clientUserId: string): Promise<unknown> {
  const answer = await fetch(`${local.apiUrl}/sandbox/dynamodb/record?clientUserId=${clientUserId}`);
  return ((await answer.json()) as { humanId?: string }).humanId;
}

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
});

afterAll(async () => {
  await local?.stop();
});

describe('DELETE /users/{clientUserId} in JWT mode', () => {
  it.each([
    ['as "me"', 'quincy', 'me'],
    ['by their own id', 'rosa', 'rosa'],
  ])('lets a signed-in user delete themself %s', async (_, sub, path) => {
    await connected(sub);

    const answer = await deleteAs(sub, path);

    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ clientUserId: sub, deleted: { tokenRecord: true, atHumanApi: false } });
    expect(await humanIdOf(sub)).toBeUndefined();
    const audit = local.output
      .filter((line) => line.includes('"audit":"user-deleted"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.whom === sub);
    expect(audit).toMatchObject({ who: `user:${sub}`, whom: sub });
  });

  it('refuses another user (403), changing nothing', async () => {
    await connected('sybil');

    const answer = await deleteAs('mallory', 'sybil');

    expect(answer.status).toBe(403);
    expect(answer.json.type).toBe('urn:humanconnect:problem:caller-mismatch');
    expect(await humanIdOf('sybil')).toEqual(expect.stringMatching(/^[0-9a-f]{24}$/));
  });

  it('answers API Gateway\u2019s 401 without a bearer token, changing nothing', async () => {
    await connected('tess');

    const answer = await deleteAs(undefined, 'tess');

    expect(answer).toEqual({ status: 401, json: { message: 'Unauthorized' } });
    expect(await humanIdOf('tess')).toEqual(expect.stringMatching(/^[0-9a-f]{24}$/));
  });
});
