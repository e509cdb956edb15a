/**
 * The sandboxes look body values up in their state (users, sessions, humans, tokens, connections):
 * a value that names something every object inherits (`constructor`, `__proto__`, `toString`,
 * `hasOwnProperty`) is an unknown token, an unknown humanId, or simply a user's name, never the
 * inherited thing, and never a way to write onto `Object` or `Object.prototype`
 * (docs/local-mode.md#sandbox).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { close, listen } from '../../local/http-util.js';
import { createHumanApiSandbox, type HumanApiSandbox } from '../../local/sandbox/human-api.js';
import { createHumanApiAuthSandbox, type HumanApiAuthSandbox } from '../../local/sandbox/human-api-auth.js';
import { createHumanApiDataSandbox } from '../../local/sandbox/human-data.js';
import { post } from '../support/http.js';

const clientId = 'c'.repeat(40);
const INHERITED_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty'] as const;
/** What a lookup that found an inherited value would go on to write. */
const WRITTEN_FIELDS = ['used', 'publicToken', 'sources'] as const;

interface Sandboxes {
  readonly base: string;
  readonly v1: HumanApiSandbox;
  readonly auth: HumanApiAuthSandbox;
  close(): Promise<void>;
}

const opened: Sandboxes[] = [];
const directories: string[] = [];

/** The three sandboxes behind one loopback server, mounted as local/server.ts mounts them. */
async function startSandboxes(stateDir?: string): Promise<Sandboxes> {
  const v1 = createHumanApiSandbox({
    clientId,
    statePath: stateDir === undefined ? undefined : join(stateDir, 'sandbox.json'),
    onSecretRotated: () => {},
  });
  const auth = createHumanApiAuthSandbox({
    clientId,
    v1,
    statePath: stateDir === undefined ? undefined : join(stateDir, 'sandbox-auth.json'),
  });
  const data = createHumanApiDataSandbox({ v1, auth, statsHook: true });
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (auth.owns(path)) void auth.handle(request, response, path);
    else if (data.owns(path)) void data.handle(request, response, path);
    else void v1.handle(request, response, path.slice('/sandbox/humanapi'.length));
  });
  const sandboxes = {
    base: `http://127.0.0.1:${await listen(server, 0)}`,
    v1,
    auth,
    close: () => close(server),
  };
  opened.push(sandboxes);
  return sandboxes;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((sandboxes) => sandboxes.close()));
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  // Undo what a broken lookup wrote, so one failure does not spread to the next test.
  for (const target of [Object, Object.prototype, Function.prototype, Object.prototype.toString]) {
    for (const field of WRITTEN_FIELDS) Reflect.deleteProperty(target, field);
  }
});

/** Whether anything was written onto what every object or function inherits. */
function inheritedWrites(): string[] {
  const targets = { Object, 'Object.prototype': Object.prototype, 'Function.prototype': Function.prototype };
  return Object.entries(targets).flatMap(([name, target]) =>
    WRITTEN_FIELDS.filter((field) => Object.hasOwn(target, field)).map((field) => `${name}.${field}`),
  );
}

describe.each(INHERITED_NAMES)('the v1 sandbox given "%s"', (name) => {
  it('answers 400 to it as a sessionToken, writing nothing', async () => {
    const { base, v1 } = await startSandboxes();

    const answer = await post(`${base}/sandbox/humanapi/v1/connect/tokens`, {
      clientId,
      clientSecret: v1.clientSecret,
      sessionToken: name,
    });

    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ error: 'Bad Request', message: 'Invalid or expired session token' });
    expect(inheritedWrites()).toEqual([]);
  });

  it('answers 404 to it as a humanId, writing nothing', async () => {
    const { base, v1 } = await startSandboxes();

    const answer = await post(`${base}/sandbox/humanapi/v1/connect/publictokens`, {
      clientId,
      clientSecret: v1.clientSecret,
      humanId: name,
    });

    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({ error: 'Not Found', message: 'Unknown humanId' });
    expect(inheritedWrites()).toEqual([]);
  });

  it('knows no user of that name until one connects, then exactly that user, with one humanId', async () => {
    const { base, v1 } = await startSandboxes();
    const before = v1.findUser(name);

    const first = await post(`${base}/sandbox/humanapi/v1/connect/sessions`, { clientUserId: name, publicToken: '' });
    const second = await post(`${base}/sandbox/humanapi/v1/connect/sessions`, { clientUserId: name });
    const exchanged = await post(`${base}/sandbox/humanapi/v1/connect/tokens`, {
      ...second.json,
      clientSecret: v1.clientSecret,
    });

    expect(before).toBeUndefined();
    expect([first.status, second.status, exchanged.status]).toEqual([201, 201, 201]);
    expect(first.json.humanId).toMatch(/^[0-9a-f]{24}$/);
    expect(second.json.humanId).toBe(first.json.humanId);
    expect(exchanged.json).toMatchObject({ humanId: first.json.humanId, clientUserId: name });
    expect(v1.findUser(name)).toEqual({ humanId: first.json.humanId, publicToken: exchanged.json.publicToken });
  });

  it('revokes the access tokens of a user of that name, and of no one else', async () => {
    const { base, v1, auth } = await startSandboxes();
    const never = [v1.revokeAccessTokens(name), auth.revokeAccessTokens(name)];
    const session = v1.mintSession(name);
    const exchanged = await post(`${base}/sandbox/humanapi/v1/connect/tokens`, {
      ...session,
      clientSecret: v1.clientSecret,
    });
    const accessToken = String(exchanged.json.accessToken);
    const before = v1.findAccessToken(accessToken);

    const revoked = v1.revokeAccessTokens(name);

    expect(never).toEqual([0, 0]);
    expect(before).toEqual({ humanId: session.humanId, clientUserId: name });
    expect(revoked).toBe(1);
    expect(v1.findAccessToken(accessToken)).toBeUndefined();
  });

  it('keeps a user of that name across a restart', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'sandbox-names-'));
    directories.push(stateDir);
    const { humanId } = (await startSandboxes(stateDir)).v1.mintSession(name);

    const restarted = await startSandboxes(stateDir);

    expect(humanId).toMatch(/^[0-9a-f]{24}$/);
    expect(restarted.v1.findUser(name)).toEqual({ humanId, publicToken: null });
    expect(restarted.v1.findUser('someone-else')).toBeUndefined();
  });
});

describe.each(INHERITED_NAMES)('the current-generation sandbox given "%s"', (name) => {
  const token = (base: string, v1: HumanApiSandbox, type: string, extra: Record<string, unknown> = {}) =>
    post(`${base}/sandbox/humanapi-auth/v1/connect/token`, {
      client_id: clientId,
      client_secret: v1.clientSecret,
      client_user_id: name,
      type,
      ...extra,
    });

  it('answers 401 to it as the popup token, connecting no one', async () => {
    const { base, auth } = await startSandboxes();

    const answer = await post(`${base}/sandbox/humanapi-auth/connect/complete`, { token: name });

    expect(answer.status).toBe(401);
    expect(answer.json).toEqual({ error: 'Unauthorized', message: 'Unknown or expired token' });
    expect(auth.findConnection('undefined')).toBeUndefined();
    expect(inheritedWrites()).toEqual([]);
  });

  it('treats a user of that name as a new user: a session token, no id_token', async () => {
    const { base, v1, auth } = await startSandboxes();

    const idToken = await token(base, v1, 'id_token');
    const session = await token(base, v1, 'session', { client_user_email: 'new@example.com' });

    expect(idToken.status).toBe(404);
    expect(session.status).toBe(200);
    expect(session.json.human_id).toMatch(/^[0-9a-f]{24}$/);
    expect(auth.findConnection(name)).toBeUndefined();
  });

  it('connects a user of that name in the popup, and only that user', async () => {
    const { base, v1, auth } = await startSandboxes();
    const session = await token(base, v1, 'session', { client_user_email: 'new@example.com' });

    const completed = await post(`${base}/sandbox/humanapi-auth/connect/complete`, {
      token: session.json.session_token,
    });
    const idToken = await token(base, v1, 'id_token');

    expect(completed.status).toBe(200);
    expect(idToken.status).toBe(200);
    expect(auth.findConnection(name)).toEqual({ sources: ['demo-health-system'], connectedAt: expect.any(String) });
    expect(auth.findConnection('sources')).toBeUndefined();
    expect(inheritedWrites()).toEqual([]);
  });
});

describe.each(INHERITED_NAMES)('the data API sandbox given "%s"', (name) => {
  it('answers 401 to it as a bearer token', async () => {
    const { base } = await startSandboxes();

    const answer = await fetch(`${base}/sandbox/humanapi-data/v1/human/profile`, {
      headers: { authorization: `Bearer ${name}` },
    });

    expect(answer.status).toBe(401);
    expect(await answer.json()).toEqual({ error: 'Unauthorized', message: 'Invalid access token' });
  });
});
