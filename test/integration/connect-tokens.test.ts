import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, injectHumanApiFault, post } from '../support/http.js';
import { scanForLeaks } from '../support/leak-scan.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';
import { signedPost } from '../support/sigv4.js';

let local: LocalModeProcess;
const connectTokens = (body: unknown) => signedPost(`${local.apiUrl}/connect-tokens`, body);
const complete = (token: unknown, source?: string) =>
  post(`${local.apiUrl}/sandbox/humanapi-auth/connect/complete`, {
    token,
    ...(source === undefined ? {} : { source }),
  });
const record = async (clientUserId: string) => {
  const response = await fetch(
    `${local.apiUrl}/sandbox/dynamodb/record?clientUserId=${encodeURIComponent(clientUserId)}`,
  );
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
};
const tokenCalls = async () => {
  const response = await fetch(`${local.apiUrl}/sandbox/humanapi-auth/stats`);
  return ((await response.json()) as { tokenCalls: number }).tokenCalls;
};
const expectProblem = (answer: Answer, status: number) => {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toBe('application/problem+json');
  expect(answer.json.status).toBe(status);
};

beforeAll(async () => {
  local = await startLocalModeProcess({ env: { HUMANAPI_TIMEOUT_MS: '2000' } });
});

afterAll(async () => {
  await local?.stop();
});

describe('POST /connect-tokens against the current-generation sandbox (IAM-signed caller)', () => {
  it('gives a new user a create token, and after the user connects in the popup, an edit token', async () => {
    const created = await connectTokens({ clientUserId: 'carol', email: 'carol@example.com' });

    expect(created.status).toBe(200);
    expect(created.json).toEqual({
      token: expect.any(String),
      mode: 'create',
      expiresIn: 3600,
      humanId: expect.stringMatching(/^[0-9a-f]{24}$/),
    });
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect((await record('carol')).json).toMatchObject({ humanId: created.json.humanId, version: 1 });

    const popup = await complete(created.json.token, 'demo-pharmacy');
    expect(popup.status).toBe(200);

    const edited = await connectTokens({ clientUserId: 'carol' });
    expect(edited.status).toBe(200);
    expect(edited.json).toEqual({
      token: expect.any(String),
      mode: 'edit',
      expiresIn: 3600,
      humanId: created.json.humanId,
    });
    expect(edited.json.token).not.toBe(created.json.token);
    // The id_token opens the popup too: the user can connect another source with it.
    expect((await complete(edited.json.token, 'demo-lab')).status).toBe(200);
  });

  it('keeps answering edit once the user connected, with or without an email', async () => {
    const created = await connectTokens({ clientUserId: 'dave', email: 'dave@example.com' });
    await complete(created.json.token);

    const withEmail = await connectTokens({ clientUserId: 'dave', email: 'dave@example.com' });
    const withoutEmail = await connectTokens({ clientUserId: 'dave' });

    expect(withEmail.json.mode).toBe('edit');
    expect(withoutEmail.json.mode).toBe('edit');
    expect((await record('dave')).json.humanId).toBe(created.json.humanId);
  });

  it('gives the humanId the v1 sandbox knows for the same user', async () => {
    const minted = await post(`${local.apiUrl}/sandbox/humanapi/v1/connect/sessions`, { clientUserId: 'erin' });
    const v1 = await post(`${local.apiUrl}/sessions`, minted.json);

    const current = await connectTokens({ clientUserId: 'erin' });

    expect(v1.status).toBe(200);
    // A v1 connection counts: Connect opens in edit mode for the same humanId.
    expect(current.json).toMatchObject({ mode: 'edit', humanId: v1.json.humanId });
  });

  it('lets /public-tokens find a current-generation user by humanId', async () => {
    const created = await connectTokens({ clientUserId: 'frank', email: 'frank@example.com' });

    const recovered = await signedPost(`${local.apiUrl}/public-tokens`, { humanId: created.json.humanId });

    expect(recovered.status).toBe(200);
    expect(recovered.json).toMatchObject({ humanId: created.json.humanId, clientUserId: 'frank' });
  });

  it('answers 400 naming email for a new user without one, calling Human API not at all', async () => {
    const before = await tokenCalls();

    const answer = await connectTokens({ clientUserId: 'grace' });

    expectProblem(answer, 400);
    expect(answer.json.errors).toEqual([expect.objectContaining({ path: 'email' })]);
    expect(await tokenCalls()).toBe(before);
    expect((await record('grace')).status).toBe(404);
  });

  it.each([
    ['a v1 sessionTokenObject', { humanId: 'a'.repeat(24), clientId: 'b'.repeat(40), sessionToken: 'c'.repeat(32) }],
    ['no clientUserId', { email: 'who@example.com' }],
    ['a malformed email', { clientUserId: 'heidi', email: 'heidi' }],
    ['a control character in clientUserId', { clientUserId: 'hei\u0000di', email: 'heidi@example.com' }],
    ['a JSON array', []],
  ])('answers 400 to %s', async (_, body) => {
    const answer = await connectTokens(body);

    expectProblem(answer, 400);
    expect(answer.json.errors).toEqual(expect.any(Array));
  });

  it('answers 400 to a body that is not JSON', async () => {
    expectProblem(await connectTokens('{not json'), 400);
  });

  it('heals a rotated client secret: the first 401 re-reads the secret and the request succeeds', async () => {
    const rotated = await post(`${local.apiUrl}/sandbox/humanapi/rotate-secret`, {});
    expect(rotated.status).toBe(200);
    const before = await tokenCalls();

    const answer = await connectTokens({ clientUserId: 'ivan', email: 'ivan@example.com' });

    expect(answer.status).toBe(200);
    expect(answer.json.mode).toBe('create');
    expect(await tokenCalls()).toBe(before + 2);
  });

  it.each([
    [502, { status: 500 }],
    [502, { status: 200, body: 'not json' }],
    [502, { reset: true }],
    [502, { status: 401, count: 2 }],
  ])('answers %i when Human API fails, storing nothing', async (status, fault) => {
    await injectHumanApiFault(local.apiUrl, fault);

    const answer = await connectTokens({ clientUserId: 'judy', email: 'judy@example.com' });

    expectProblem(answer, status);
    expect((await record('judy')).status).toBe(404);
  });

  it('answers 504 when Human API does not answer in time', async () => {
    await injectHumanApiFault(local.apiUrl, { delayMs: 3000 });

    const answer = await connectTokens({ clientUserId: 'kim', email: 'kim@example.com' });

    expectProblem(answer, 504);
  });

  it('mints tokens that expire: a popup opened after expires_in cannot connect, a fresh token can', async () => {
    const created = await connectTokens({ clientUserId: 'leo', email: 'leo@example.com' });
    const clock = await post(`${local.apiUrl}/sandbox/humanapi-auth/clock`, {
      advanceSeconds: Number(created.json.expiresIn) + 1,
    });
    expect(clock.status).toBe(200);

    const late = await complete(created.json.token);
    const fresh = await connectTokens({ clientUserId: 'leo', email: 'leo@example.com' });

    expect(late.status).toBe(401);
    expect(fresh.json).toMatchObject({ mode: 'create', humanId: created.json.humanId });
    expect((await complete(fresh.json.token)).status).toBe(200);
    expect((await connectTokens({ clientUserId: 'leo' })).json.mode).toBe('edit');
  });

  it('logs no token or secret', () => {
    expect(scanForLeaks({ logLines: local.output })).toEqual([]);
  });
});

describe('the current-generation sandbox itself', () => {
  const token = (body: Record<string, unknown>) => post(`${local.apiUrl}/sandbox/humanapi-auth/v1/connect/token`, body);

  it('answers 400 to a missing field and 401 to a wrong secret', async () => {
    const missing = await token({ client_id: 'x', client_user_id: 'mia', type: 'session' });
    const wrong = await token({
      client_id: 'x',
      client_secret: 'y',
      client_user_id: 'mia',
      client_user_email: 'mia@example.com',
      type: 'session',
    });

    expect(missing.status).toBe(400);
    expect(wrong.status).toBe(401);
  });

  it('serves connect-client.js as a script', async () => {
    const response = await fetch(`${local.apiUrl}/sandbox/connect-client.js`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await response.text()).toContain('window.HumanConnect');
  });
});
