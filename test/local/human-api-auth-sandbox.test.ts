import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, listen } from '../../local/http-util.js';
import { createHumanApiSandbox, type HumanApiSandbox } from '../../local/sandbox/human-api.js';
import { createHumanApiAuthSandbox, type HumanApiAuthSandbox } from '../../local/sandbox/human-api-auth.js';
import { post } from '../support/http.js';

const clientId = 'c'.repeat(40);
let server: Server;
let base: string;
let v1: HumanApiSandbox;
let auth: HumanApiAuthSandbox;

beforeAll(async () => {
  v1 = createHumanApiSandbox({ clientId, statePath: undefined, onSecretRotated: () => {} });
  auth = createHumanApiAuthSandbox({ clientId, v1, statePath: undefined });
  server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    // The v1 sandbox beside it, as local mode mounts it.
    if (path.startsWith('/sandbox/humanapi/'))
      void v1.handle(request, response, path.slice('/sandbox/humanapi'.length));
    else void auth.handle(request, response, path);
  });
  base = `http://127.0.0.1:${await listen(server, 0)}`;
});

afterAll(async () => {
  await close(server);
});

const token = (type: string, clientUserId: string, extra: Record<string, unknown> = {}) =>
  post(`${base}/sandbox/humanapi-auth/v1/connect/token`, {
    client_id: clientId,
    client_secret: v1.clientSecret,
    client_user_id: clientUserId,
    type,
    ...extra,
  });

describe('current-generation Human API sandbox', () => {
  it('mints access tokens only for a user who connected, for 24 hours', async () => {
    const before = await token('access', 'quinn');
    const session = await token('session', 'quinn', { client_user_email: 'quinn@example.com' });
    await post(`${base}/sandbox/humanapi-auth/connect/complete`, { token: session.json.session_token });

    const after = await token('access', 'quinn');

    expect(before.status).toBe(404);
    expect(after.status).toBe(200);
    expect(after.json).toEqual({
      access_token: expect.any(String),
      expires_in: 86400,
      token_type: 'Bearer',
      refresh_token: expect.any(String),
    });
  });

  it('gives the humanId the v1 sandbox has for the same clientUserId', async () => {
    const v1Session = v1.mintSession('ruth');

    const session = await token('session', 'ruth', { client_user_email: 'ruth@example.com' });

    expect(session.json.human_id).toBe(v1Session.humanId);
  });

  it('answers 409 to a session for a user who connected, and an id_token instead', async () => {
    const session = await token('session', 'sam', { client_user_email: 'sam@example.com' });
    await post(`${base}/sandbox/humanapi-auth/connect/complete`, { token: session.json.session_token });

    const again = await token('session', 'sam', { client_user_email: 'sam@example.com' });
    const idToken = await token('id_token', 'sam');

    expect(again.status).toBe(409);
    expect(idToken.json).toEqual({ id_token: expect.any(String), expires_in: 3600, human_id: session.json.human_id });
  });

  it('answers an id token to type "id" as to type "id_token", and 404 to both for a user who never connected', async () => {
    const session = await token('session', 'ursula', { client_user_email: 'ursula@example.com' });
    const before = await token('id', 'ursula');
    await post(`${base}/sandbox/humanapi-auth/connect/complete`, { token: session.json.session_token });

    const idToken = await token('id', 'ursula');

    expect(before.status).toBe(404);
    expect(idToken.status).toBe(200);
    expect(idToken.json).toEqual({ id_token: expect.any(String), expires_in: 3600, human_id: session.json.human_id });
  });

  it.each([
    ['no email for a session', 'session', {}],
    ['an unknown type', 'refresh', {}],
  ])('answers 400 to %s', async (_, type, extra) => {
    expect((await token(type, 'tina', extra)).status).toBe(400);
  });

  it('refuses the old secret after the v1 sandbox rotates it', async () => {
    const old = v1.clientSecret;
    v1.rotateSecret();

    const answer = await post(`${base}/sandbox/humanapi-auth/v1/connect/token`, {
      client_id: clientId,
      client_secret: old,
      client_user_id: 'uma',
      client_user_email: 'uma@example.com',
      type: 'session',
    });

    expect(answer.status).toBe(401);
    expect((await token('session', 'uma', { client_user_email: 'uma@example.com' })).status).toBe(200);
  });

  it('applies the faults queued on the v1 sandbox', async () => {
    v1.queueFault({ status: 503 });

    const faulted = await token('session', 'vera', { client_user_email: 'vera@example.com' });

    expect(faulted.status).toBe(503);
    expect((await token('session', 'vera', { client_user_email: 'vera@example.com' })).status).toBe(200);
  });

  it('refuses an access token as the popup token', async () => {
    const session = await token('session', 'walt', { client_user_email: 'walt@example.com' });
    await post(`${base}/sandbox/humanapi-auth/connect/complete`, { token: session.json.session_token });
    const access = await token('access', 'walt');

    const popup = await post(`${base}/sandbox/humanapi-auth/connect/complete`, { token: access.json.access_token });

    expect(popup.status).toBe(401);
  });
});

describe("the current-generation sandbox's popup routes", () => {
  const popup = (route: string, body: object) => post(`${base}/sandbox/humanapi-auth/connect/${route}`, body);

  it('lists the sources the token user connected, and none for a new user', async () => {
    const session = await token('session', 'xavier', { client_user_email: 'xavier@example.com' });
    const before = await popup('connections', { token: session.json.session_token });
    await popup('complete', { token: session.json.session_token, source: 'demo-lab' });
    await popup('complete', { token: session.json.session_token, source: 'demo-pharmacy' });

    const after = await popup('connections', { token: session.json.session_token });

    expect(before.json).toEqual({ humanId: session.json.human_id, connectedSources: [] });
    expect(after.json).toEqual({ humanId: session.json.human_id, connectedSources: ['demo-lab', 'demo-pharmacy'] });
  });

  it('disconnects a source; the user keeps getting id_tokens, even with no source left', async () => {
    const session = await token('session', 'yara', { client_user_email: 'yara@example.com' });
    await popup('complete', { token: session.json.session_token, source: 'demo-lab' });
    const idToken = await token('id_token', 'yara');

    const disconnected = await popup('disconnect', { token: idToken.json.id_token, source: 'demo-lab' });
    const again = await popup('disconnect', { token: idToken.json.id_token, source: 'demo-lab' });

    expect(disconnected.status).toBe(200);
    expect(disconnected.json).toEqual({ humanId: session.json.human_id, connectedSources: [] });
    expect(again.json).toEqual({ humanId: session.json.human_id, connectedSources: [] });
    expect((await token('id_token', 'yara')).status).toBe(200);
    expect((await token('session', 'yara', { client_user_email: 'yara@example.com' })).status).toBe(409);
  });

  it.each([
    ['connections', 'no token', 400, {}],
    ['connections', 'an unknown token', 401, { token: 'made-up' }],
    ['connections', 'the token `__proto__`', 401, { token: '__proto__' }],
    ['disconnect', 'no token', 400, { source: 'demo-lab' }],
    ['disconnect', 'an unknown token', 401, { token: 'made-up', source: 'demo-lab' }],
  ])('%s answers %s with %i', async (route, _, status, body) => {
    expect((await popup(route, body)).status).toBe(status);
  });

  it('refuses to disconnect a source the popup does not offer, or none', async () => {
    const session = await token('session', 'zoe', { client_user_email: 'zoe@example.com' });

    const unknown = await popup('disconnect', { token: session.json.session_token, source: 'real-hospital' });
    const missing = await popup('disconnect', { token: session.json.session_token });

    expect([unknown.status, missing.status]).toEqual([400, 400]);
    expect(unknown.json).toEqual({ error: 'Bad Request', message: 'Unknown source' });
  });

  it('refuses an access token, and a session token past its expiry', async () => {
    const session = await token('session', 'abel', { client_user_email: 'abel@example.com' });
    await popup('complete', { token: session.json.session_token });
    const access = await token('access', 'abel');
    const later = await token('id_token', 'abel');

    const withAccess = await popup('connections', { token: access.json.access_token });
    await post(`${base}/sandbox/humanapi-auth/clock`, { advanceSeconds: 3601 });
    const expired = await popup('disconnect', { token: later.json.id_token, source: 'demo-health-system' });

    expect(withAccess.status).toBe(401);
    expect(expired.json).toEqual({ error: 'Unauthorized', message: 'Unknown or expired token' });
  });

  it('answers CORS preflights of the popup routes for any origin', async () => {
    const answers = await Promise.all(
      ['complete', 'connections', 'disconnect'].map((route) =>
        fetch(`${base}/sandbox/humanapi-auth/connect/${route}`, {
          method: 'OPTIONS',
          headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
        }),
      ),
    );

    expect(answers.map((answer) => [answer.status, answer.headers.get('access-control-allow-origin')])).toEqual([
      [204, '*'],
      [204, '*'],
      [204, '*'],
    ]);
  });
});

describe('a user deleted at Human API (the sandboxes\u2019 deleteUser, behind POST /sandbox/humanapi/users/delete)', () => {
  it('refuses the user id and access tokens as Human API documents, revokes every token, and knows them afresh', async () => {
    // Prepare: a user connected in both generations, with tokens of each.
    const session = await token('session', 'vera', { client_user_email: 'vera@example.com' });
    await post(`${base}/sandbox/humanapi-auth/connect/complete`, { token: session.json.session_token });
    const access = await token('access', 'vera');
    const oldHumanId = session.json.human_id as string;
    const pending = v1.mintSession('vera');
    expect(auth.findAccessToken(access.json.access_token as string)).toBeDefined();

    // Act
    const deleted = { v1: v1.deleteUser('vera'), current: auth.deleteUser('vera') };

    // Assess: "can only be retrieved if the user previously connected data sources and is still
    // active (not deleted)": refused; every token of theirs stops working.
    expect(deleted).toEqual({ v1: true, current: true });
    expect((await token('id', 'vera')).status).toBe(404);
    expect((await token('access', 'vera')).status).toBe(404);
    expect(auth.findAccessToken(access.json.access_token as string)).toBeUndefined();
    expect(v1.findUser('vera')).toBeUndefined();
    expect(
      (await post(`${base}/sandbox/humanapi-auth/connect/complete`, { token: session.json.session_token })).status,
    ).toBe(401);
    // Known afresh: a new human for the same clientUserId.
    const again = await token('session', 'vera', { client_user_email: 'vera@example.com' });
    expect(again.status).toBe(200);
    expect(again.json.human_id).not.toBe(oldHumanId);
    expect(v1.mintSession('vera').humanId).toBe(again.json.human_id);
    expect(pending.humanId).toBe(oldHumanId);
  });

  it('revokes a v1 user\u2019s access tokens and sessions, and forgets their humanId', async () => {
    const session = v1.mintSession('walt');
    const stale = v1.mintSession('walt');
    const exchanged = await post(`${base}/sandbox/humanapi/v1/connect/tokens`, {
      ...session,
      clientSecret: v1.clientSecret,
    });
    expect(exchanged.status).toBe(201);

    expect(v1.deleteUser('walt')).toBe(true);

    expect(v1.findAccessToken(exchanged.json.accessToken as string)).toBeUndefined();
    expect(
      (await post(`${base}/sandbox/humanapi/v1/connect/tokens`, { ...stale, clientSecret: v1.clientSecret })).status,
    ).toBe(400);
    expect(
      (
        await post(`${base}/sandbox/humanapi/v1/connect/publictokens`, {
          humanId: session.humanId,
          clientId,
          clientSecret: v1.clientSecret,
        })
      ).status,
    ).toBe(404);
    expect(v1.deleteUser('walt')).toBe(false);
    expect(auth.deleteUser('nobody-here')).toBe(false);
  });
});
