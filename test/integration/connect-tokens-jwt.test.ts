import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_AUTH_AUDIENCE } from '../../local/settings.js';
import { findFreePort } from '../support/free-port.js';
import { post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';

let local: LocalModeProcess;

async function asUser(sub: string) {
  const answer = await post(`${local.apiUrl}/sandbox/auth/token`, { sub });
  return { headers: { authorization: `Bearer ${String(answer.json.token)}` } };
}
const connectTokens = async (body: unknown, sub?: string) =>
  post(`${local.apiUrl}/connect-tokens`, body, sub === undefined ? {} : await asUser(sub));

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

describe('POST /connect-tokens in JWT mode', () => {
  it('mints for the caller: { email } for a new user, then {} once the user connected', async () => {
    const created = await connectTokens({ email: 'olivia@example.com' }, 'olivia');
    const popup = await post(`${local.apiUrl}/sandbox/humanapi-auth/connect/complete`, { token: created.json.token });

    const edited = await connectTokens({}, 'olivia');

    expect(created.json).toMatchObject({ mode: 'create' });
    expect(popup.status).toBe(200);
    expect(edited.json).toMatchObject({ mode: 'edit', humanId: created.json.humanId });
    const record = await fetch(`${local.apiUrl}/sandbox/dynamodb/record?clientUserId=olivia`);
    expect(((await record.json()) as { humanId: string }).humanId).toBe(created.json.humanId);
  });

  it('accepts the caller naming themself', async () => {
    const answer = await connectTokens({ clientUserId: 'peggy', email: 'peggy@example.com' }, 'peggy');

    expect(answer.status).toBe(200);
  });

  it('answers 403 to a caller naming another user, minting and storing nothing', async () => {
    const answer = await connectTokens({ clientUserId: 'victim', email: 'victim@example.com' }, 'mallory');

    expect(answer.status).toBe(403);
    expect(answer.headers.get('content-type')).toBe('application/problem+json');
    expect((await fetch(`${local.apiUrl}/sandbox/dynamodb/record?clientUserId=victim`)).status).toBe(404);
  });

  it('answers 401 without a bearer token, as API Gateway would', async () => {
    const answer = await connectTokens({ email: 'nobody@example.com' });

    expect(answer.status).toBe(401);
  });

  it.each([
    ['257 characters long', 'u'.repeat(257), 'must be at most 256 characters'],
    ['holding a control character', 'bell\u0007user', 'must not contain control characters or lone surrogates'],
  ])(
    'answers 400 naming sub to a user whose sub is %s, calling Human API for nothing and storing nothing',
    async (_, sub, message) => {
      const tokenCalls = async () => (await fetch(`${local.apiUrl}/sandbox/humanapi-auth/stats`)).json();
      const before = await tokenCalls();

      const answer = await connectTokens({ email: 'someone@example.com' }, sub);

      expect(answer.status).toBe(400);
      expect(answer.headers.get('content-type')).toBe('application/problem+json');
      expect(answer.json).toMatchObject({
        type: 'urn:humanconnect:problem:invalid-caller-id',
        title: 'Invalid caller identity',
        status: 400,
        detail: 'The signed-in user\u2019s id (JWT claim "sub") cannot be used as a clientUserId.',
        errors: [{ path: 'sub', message }],
      });
      expect(await tokenCalls()).toEqual(before);
      const record = await fetch(`${local.apiUrl}/sandbox/dynamodb/record?clientUserId=${encodeURIComponent(sub)}`);
      expect(record.status).toBe(404);
    },
  );

  it('answers the same 400 on POST /public-tokens: the caller is read the same way on every route', async () => {
    const answer = await post(
      `${local.apiUrl}/public-tokens`,
      { humanId: 'ab'.repeat(12) },
      await asUser('u'.repeat(257)),
    );

    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({
      type: 'urn:humanconnect:problem:invalid-caller-id',
      errors: [{ path: 'sub' }],
    });
  });
});
