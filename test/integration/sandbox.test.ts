import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CLIENT_ID, LOCAL_SECRET_ID } from '../../local/settings.js';
import { mintSession, post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';
import { signedPost } from '../support/sigv4.js';

let local: LocalModeProcess;
let workDir: string;
const sandbox = (path: string, body: unknown) => post(`${local.apiUrl}/sandbox/humanapi${path}`, body);
/** The secret as ops would see it: local mode keeps it in .data/secrets.json (not in memory for this test). */
const currentSecret = () => {
  const secrets = JSON.parse(readFileSync(join(workDir, '.data/secrets.json'), 'utf8')) as Record<
    string,
    { value: string }
  >;
  return (JSON.parse(secrets[LOCAL_SECRET_ID]?.value ?? '{}') as { clientSecret: string }).clientSecret;
};

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'connect-local-'));
  local = await startLocalModeProcess({ inMemory: false, cwd: workDir });
});

afterAll(async () => {
  await local?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

describe('Human API sandbox', () => {
  it('exchanges a minted session once, as Human API does', async () => {
    const session = await mintSession(local.apiUrl, 'sandbox-user');
    const request = { ...session, clientSecret: currentSecret() };

    const first = await sandbox('/v1/connect/tokens', request);
    const second = await sandbox('/v1/connect/tokens', request);

    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({
      humanId: session.humanId,
      clientId: LOCAL_CLIENT_ID,
      clientUserId: 'sandbox-user',
    });
    expect(first.json.accessToken).toMatch(/^[0-9a-f]{40}$/);
    expect(first.json.publicToken).toMatch(/^[0-9a-f]{32}$/);
    expect(second.status).toBe(400);
  });

  it('answers 401 for a wrong clientId or secret, without using up the session', async () => {
    const session = await mintSession(local.apiUrl, 'sandbox-user');

    expect((await sandbox('/v1/connect/tokens', { ...session, clientSecret: 'wrong' })).status).toBe(401);
    expect(
      (await sandbox('/v1/connect/tokens', { ...session, clientId: 'f'.repeat(40), clientSecret: currentSecret() }))
        .status,
    ).toBe(401);
    expect((await sandbox('/v1/connect/tokens', { ...session, clientSecret: currentSecret() })).status).toBe(201);
  });

  it('keeps humanId stable per clientUserId and issues a new publicToken on every connection and publictokens call', async () => {
    const one = await mintSession(local.apiUrl, 'stable-user');
    const two = await mintSession(local.apiUrl, 'stable-user');
    const first = await sandbox('/v1/connect/tokens', { ...one, clientSecret: currentSecret() });
    const second = await sandbox('/v1/connect/tokens', { ...two, clientSecret: currentSecret() });

    const fresh = await sandbox('/v1/connect/publictokens', {
      humanId: one.humanId,
      clientId: LOCAL_CLIENT_ID,
      clientSecret: currentSecret(),
    });

    expect(two.humanId).toBe(one.humanId);
    expect(second.json.publicToken).not.toBe(first.json.publicToken);
    expect(fresh.status).toBe(200);
    expect(fresh.json).toEqual({ humanId: one.humanId, publicToken: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(fresh.json.publicToken).not.toBe(second.json.publicToken);
  });

  it('refuses a returning user opened without its current publicToken: 409 User Already Exists', async () => {
    const finished = await post(`${local.apiUrl}/sessions`, await mintSession(local.apiUrl, 'connect-user'));

    const fresh = await sandbox('/v1/connect/sessions', { clientUserId: 'new-connect-user', publicToken: '' });
    const without = await sandbox('/v1/connect/sessions', { clientUserId: 'connect-user', publicToken: '' });
    const outdated = await sandbox('/v1/connect/sessions', {
      clientUserId: 'connect-user',
      publicToken: 'ab'.repeat(16),
    });
    const current = await sandbox('/v1/connect/sessions', {
      clientUserId: 'connect-user',
      publicToken: finished.json.publicToken,
    });

    expect(fresh.status).toBe(201);
    expect(without.status).toBe(409);
    expect(without.json).toMatchObject({ code: 409, message: 'User Already Exists' });
    expect(outdated.status).toBe(409);
    expect(current.status).toBe(201);
  });

  it('answers 404 to publictokens for an unknown humanId', async () => {
    const answer = await sandbox('/v1/connect/publictokens', {
      humanId: 'ab'.repeat(12),
      clientId: LOCAL_CLIENT_ID,
      clientSecret: currentSecret(),
    });

    expect(answer.status).toBe(404);
  });

  it('rotates the secret as ops would: only the new one works, and the running API keeps working', async () => {
    const before = currentSecret();
    const session = await mintSession(local.apiUrl, 'rotation-user');

    const rotated = await sandbox('/rotate-secret', {});

    expect(rotated.status).toBe(200);
    expect(rotated.text).not.toContain(currentSecret());
    expect(currentSecret()).not.toBe(before);
    expect((await sandbox('/v1/connect/tokens', { ...session, clientSecret: before })).status).toBe(401);
    expect((await post(`${local.apiUrl}/sessions`, session)).status).toBe(200);
  });

  it('persists state under .data/ so a restart loses nothing', async () => {
    const session = await mintSession(local.apiUrl, 'persistent-user');
    const finished = await post(`${local.apiUrl}/sessions`, session);
    await local.stop();

    local = await startLocalModeProcess({ inMemory: false, cwd: workDir });
    const recovered = await signedPost(`${local.apiUrl}/public-tokens`, { clientUserId: 'persistent-user' });
    const again = await mintSession(local.apiUrl, 'persistent-user');

    expect(recovered.json).toEqual(finished.json);
    expect(again.humanId).toBe(session.humanId);
  });

  it('never prints the secret', () => {
    const secret = currentSecret();

    expect(local.output.some((line) => line.includes(secret))).toBe(false);
  });
});

describe('sandbox hooks', () => {
  it.each([
    ['/sandbox/humanapi/faults', { status: '500' }, 'status'],
    ['/sandbox/humanapi/faults', { stauts: 500 }, ''],
    ['/sandbox/humanapi/faults', { status: 500, count: 0 }, 'count'],
    ['/sandbox/humanapi/faults', { status: 429, retryAfter: '7' }, 'retryAfter'],
    ['/sandbox/humanapi/faults', { bodyBytes: 3 }, 'bodyBytes'],
    ['/sandbox/humanapi/faults', { bodyBytes: 16 * 1024 * 1024 + 1 }, 'bodyBytes'],
    ['/sandbox/dynamodb/faults', { kind: 'slow' }, 'kind'],
    ['/sandbox/secretsmanager/faults', { count: 'three' }, 'count'],
    ['/sandbox/auth/token', {}, 'sub'],
  ])('refuses %s with %j, naming the field', async (path, body, field) => {
    const answer = await post(`${local.apiUrl}${path}`, body);

    expect(answer.status).toBe(400);
    expect(answer.json.errors).toEqual([expect.objectContaining({ path: field })]);
    expect(String(answer.json.message)).not.toBe('');
  });

  it('queues a well-formed fault', async () => {
    const answer = await post(`${local.apiUrl}/sandbox/humanapi/faults`, { status: 500, count: 1 });
    await post(`${local.apiUrl}/sandbox/humanapi/faults/reset`, {});

    expect(answer.status).toBe(201);
  });
});
