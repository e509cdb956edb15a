/**
 * The example app back end (`web/app-server/`) as local mode serves it next to
 * the page without JWT: its session cookie, and `POST /app/public-token`
 * answering for the signed-in user only, through a SigV4-signed call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, mintSession, post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';
import { storedPublicToken } from './support/connect-page.js';

let local: LocalModeProcess;

beforeAll(async () => {
  local = await startLocalModeProcess();
  for (const user of ['alice@example.com', 'bob@example.com']) {
    expect((await post(`${local.apiUrl}/sessions`, await mintSession(local.apiUrl, user))).status).toBe(200);
  }
});

afterAll(async () => {
  await local?.stop();
});

async function signIn(user: string): Promise<{ answer: Answer; cookie: string }> {
  const answer = await post(`${local.webUrl}/app/sign-in`, { user });
  const cookie = (answer.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return { answer, cookie };
}

const publicToken = (cookie: string, body: object = {}) =>
  post(`${local.webUrl}/app/public-token`, body, { headers: cookie === '' ? {} : { cookie } });

describe('the example app back end', () => {
  it('signs in with an HttpOnly, SameSite=Strict cookie holding a random session id', async () => {
    const first = await signIn('alice@example.com');
    const second = await signIn('alice@example.com');

    expect(first.answer.status).toBe(200);
    expect(first.answer.headers.get('set-cookie')).toMatch(
      /^app_session=[\w-]{43}; HttpOnly; SameSite=Strict; Path=\/$/,
    );
    expect(first.cookie).not.toBe(second.cookie);
    expect(first.answer.text).not.toContain(first.cookie.split('=')[1] ?? '');
  });

  it("recovers the signed-in user's publicToken, and only that user's", async () => {
    const { cookie } = await signIn('bob@example.com');

    const answer = await publicToken(cookie, { clientUserId: 'alice@example.com' });

    expect(answer.status).toBe(200);
    expect(answer.json.clientUserId).toBe('bob@example.com');
    expect(answer.json.publicToken).toBe(await storedPublicToken(local.apiUrl, 'bob@example.com'));
  });

  it('passes refresh on: a fresh publicToken is stored', async () => {
    const { cookie } = await signIn('alice@example.com');
    const before = await storedPublicToken(local.apiUrl, 'alice@example.com');

    const answer = await publicToken(cookie, { refresh: true });

    expect(answer.status).toBe(200);
    expect(answer.json.publicToken).not.toBe(before);
    expect(await storedPublicToken(local.apiUrl, 'alice@example.com')).toBe(answer.json.publicToken);
  });

  it('answers 404 for a signed-in user who never connected', async () => {
    const { cookie } = await signIn('never-connected@example.com');

    expect((await publicToken(cookie)).status).toBe(404);
  });

  it('answers 401 without a session, with an unknown one, and after sign-out', async () => {
    const { cookie } = await signIn('alice@example.com');
    await post(`${local.webUrl}/app/sign-out`, {}, { headers: { cookie } });

    expect((await publicToken('')).status).toBe(401);
    expect((await publicToken('app_session=not-a-session')).status).toBe(401);
    expect((await publicToken(cookie)).status).toBe(401);
  });

  it('refuses a body that is not JSON (415), so a cross-site form cannot use the cookie', async () => {
    const { cookie } = await signIn('alice@example.com');

    const answer = await post(`${local.webUrl}/app/public-token`, 'refresh=true', {
      contentType: 'application/x-www-form-urlencoded',
      headers: { cookie },
    });

    expect(answer.status).toBe(415);
  });

  it('refuses an empty or control-character user name at sign-in', async () => {
    expect((await post(`${local.webUrl}/app/sign-in`, { user: '' })).status).toBe(400);
    expect((await post(`${local.webUrl}/app/sign-in`, { user: 'a\u0000b' })).status).toBe(400);
  });
});
