import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_AUTH_AUDIENCE } from '../../local/settings.js';
import { findFreePort } from '../support/free-port.js';
import { mintSession, post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';

let local: LocalModeProcess;
let issuer: string;

async function tokenFor(
  sub: string,
  options: { audience?: string; expiresInSeconds?: number; notBeforeSeconds?: number } = {},
) {
  const answer = await post(`${local.apiUrl}/sandbox/auth/token`, { sub, ...options });
  return String(answer.json.token);
}
const asUser = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  const port = await findFreePort();
  issuer = `http://127.0.0.1:${port}/sandbox/auth`;
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

describe('JWT mode (local emulation of the HTTP API JWT authorizer)', () => {
  it('says so when it starts', () => {
    expect(local.output.some((line) => line.includes('JWT mode'))).toBe(true);
  });

  it('finishes the caller\u2019s own session and recovers the caller\u2019s publicToken', async () => {
    const token = await tokenFor('alice');
    const finished = await post(`${local.apiUrl}/sessions`, await mintSession(local.apiUrl, 'alice'), asUser(token));

    const recovered = await post(`${local.apiUrl}/public-tokens`, { clientUserId: 'alice' }, asUser(token));

    expect(finished.status).toBe(200);
    expect(recovered.status).toBe(200);
    expect(recovered.json).toEqual(finished.json);
  });

  it('takes no bearer token on Human API\u2019s POST /notifications/{secret}: the function answers, notifications flow', async () => {
    // Act
    const wrongSecret = await post(`${local.apiUrl}/notifications/not-the-secret`, [{ humanId: 'h'.repeat(24) }]);
    const sent = await post(`${local.apiUrl}/sandbox/humanapi/notifications/send`, { clientUserId: 'alice' });

    // Assess: the function's problem, not API Gateway's { message }; the page's local-only inbox route sees it.
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.json.type).toBe('urn:humanconnect:problem:notification-refused');
    expect(sent.json.deliveries).toEqual([{ status: 200, attempts: 1 }]);
    const notices = async () =>
      (
        (await (await fetch(`${local.apiUrl}/sandbox/notifications/inbox?clientUserId=alice`)).json()) as {
          notices: { type: string }[];
        }
      ).notices.map((notice) => notice.type);
    await expect.poll(notices).toContain('activities/summaries');
  });

  describe('answers 401 on both routes, as API Gateway would, for', () => {
    const badTokens: [string, () => Promise<string | undefined>][] = [
      ['no token', async () => undefined],
      ['an expired token', () => tokenFor('alice', { expiresInSeconds: -60 })],
      ['a token not valid yet', () => tokenFor('alice', { notBeforeSeconds: 600 })],
      ['a token for another audience', () => tokenFor('alice', { audience: 'someone-else' })],
      [
        'a badly signed token',
        async () => {
          const { privateKey } = await generateKeyPair('RS256');
          return new SignJWT({})
            .setProtectedHeader({ alg: 'RS256', kid: 'local-dev-issuer' })
            .setSubject('alice')
            .setIssuer(issuer)
            .setAudience(LOCAL_AUTH_AUDIENCE)
            .setExpirationTime('1h')
            .sign(privateKey);
        },
      ],
      [
        'an unsigned token',
        async () => {
          const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
          const payload = Buffer.from(JSON.stringify({ sub: 'alice', iss: issuer, aud: LOCAL_AUTH_AUDIENCE })).toString(
            'base64url',
          );
          return `${header}.${payload}.`;
        },
      ],
      ['a malformed token', async () => 'not-a-jwt'],
    ];

    it.each(badTokens)('%s', async (_, makeToken) => {
      const token = await makeToken();
      const options = token === undefined ? {} : asUser(token);
      const session = await mintSession(local.apiUrl, 'alice');

      const sessions = await post(`${local.apiUrl}/sessions`, session, options);
      const publicTokens = await post(`${local.apiUrl}/public-tokens`, { clientUserId: 'alice' }, options);

      expect(sessions.status).toBe(401);
      expect(publicTokens.status).toBe(401);
      // The session was never exchanged: the real caller can still finish it.
      expect((await post(`${local.apiUrl}/sessions`, session, asUser(await tokenFor('alice')))).status).toBe(200);
    });
  });

  it('answers 403 to a request about another user\u2019s record, by clientUserId or humanId', async () => {
    const bob = await post(
      `${local.apiUrl}/sessions`,
      await mintSession(local.apiUrl, 'bob'),
      asUser(await tokenFor('bob')),
    );
    const mallory = asUser(await tokenFor('mallory'));

    const byUser = await post(`${local.apiUrl}/public-tokens`, { clientUserId: 'bob' }, mallory);
    const byHumanId = await post(`${local.apiUrl}/public-tokens`, { humanId: bob.json.humanId }, mallory);
    const refresh = await post(`${local.apiUrl}/public-tokens`, { clientUserId: 'bob', refresh: true }, mallory);

    for (const answer of [byUser, byHumanId, refresh]) {
      expect(answer.status).toBe(403);
      expect(answer.text).not.toContain(String(bob.json.publicToken));
    }
    const stillBobs = await post(
      `${local.apiUrl}/public-tokens`,
      { clientUserId: 'bob' },
      asUser(await tokenFor('bob')),
    );
    expect(stillBobs.json.publicToken).toBe(bob.json.publicToken);
  });

  it('answers 403 and stores nothing when the session\u2019s clientUserId is not the caller', async () => {
    const carolSession = await mintSession(local.apiUrl, 'carol');

    const answer = await post(`${local.apiUrl}/sessions`, carolSession, asUser(await tokenFor('mallory')));

    expect(answer.status).toBe(403);
    expect(answer.headers.get('content-type')).toBe('application/problem+json');
    const carols = await post(
      `${local.apiUrl}/public-tokens`,
      { clientUserId: 'carol' },
      asUser(await tokenFor('carol')),
    );
    expect(carols.status).toBe(404);
  });

  it('publishes the development issuer\u2019s JWKS', async () => {
    const response = await fetch(`${issuer}/jwks.json`);
    const jwks = (await response.json()) as { keys: { kid: string; kty: string }[] };

    expect(jwks.keys[0]).toMatchObject({ kid: 'local-dev-issuer', kty: 'RSA' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });
});
