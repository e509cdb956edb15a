/**
 * Access tokens at rest (docs/security.md): local mode runs against a Human API stub that issues
 * access tokens this test knows, persisting under `.data/`. Afterwards no file under `.data/`
 * (dynalite's write-ahead logs and tables, the KMS key file, the secret store, …), no log line and
 * no answer holds one of them; the table holds each only as ciphertext that decrypts, under its
 * record's clientUserId, to exactly what Human API issued.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CLIENT_ID } from '../../local/settings.js';
import { type Answer, post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';
import { serveFetchHandler } from '../support/loopback-fetch-server.js';
import { readStoredRecords } from '../support/reliability-harness.js';

const USERS = ['ana@example.com', 'ben@example.com', 'chloe@example.com', 'dev@example.com', 'eve@example.com'];
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** What the stub issued, by session token: the user it belongs to and the tokens it answered. */
const issued = new Map<string, { clientUserId: string; humanId: string; accessToken: string; publicToken: string }>();

let root: string;
let local: LocalModeProcess | undefined;
const answers: Answer[] = [];

beforeAll(async () => {
  // Human API as far as the exchange goes: known tokens for every session token the test posts.
  const stubUrl = await serveFetchHandler(async (url, init) => {
    if (!url.endsWith('/v1/connect/tokens')) return new Response('{}', { status: 404 });
    const body: unknown = JSON.parse(String(init.body));
    const sessionToken = typeof body === 'object' && body !== null && 'sessionToken' in body ? body.sessionToken : '';
    const grant = issued.get(String(sessionToken));
    if (grant === undefined) return new Response('{"error":"unknown session"}', { status: 400 });
    return Response.json({ ...grant, clientId: LOCAL_CLIENT_ID }, { status: 201 });
  });
  root = await mkdtemp(join(tmpdir(), 'at-rest-'));
  local = await startLocalModeProcess({
    inMemory: false,
    cwd: root,
    // A Human API other than the sandbox needs the app's credentials (local/settings.ts): the stub's app.
    env: {
      HUMANAPI_BASE_URL: stubUrl,
      HUMANAPI_CLIENT_ID: LOCAL_CLIENT_ID,
      HUMANAPI_CLIENT_SECRET: `stub-secret-${hex(8)}`,
    },
  });
  for (const clientUserId of USERS) {
    const grant = { clientUserId, humanId: hex(12), accessToken: hex(20), publicToken: hex(16) };
    const sessionToken = hex(16);
    issued.set(sessionToken, grant);
    answers.push(
      await post(`${local.apiUrl}/sessions`, { humanId: grant.humanId, clientId: LOCAL_CLIENT_ID, sessionToken }),
    );
  }
  await local.stop();
});

afterAll(async () => {
  await local?.stop();
  await rm(root, { recursive: true, force: true });
});

const accessTokens = () => [...issued.values()].map(({ accessToken }) => accessToken);

describe('access tokens at rest in local mode', () => {
  it('finished every session', () => {
    expect(answers.map(({ status }) => status)).toEqual(USERS.map(() => 200));
  });

  it('leaves no access token in any file under .data/', async () => {
    const files = (await readdir(join(root, '.data'), { withFileTypes: true, recursive: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name));
    // dynalite's files at least: a scan of nothing would prove nothing.
    expect(files.some((file) => file.includes('dynamodb'))).toBe(true);

    const contents = await Promise.all(files.map(async (file) => ({ file, bytes: await readFile(file) })));
    // The scan sees what is stored in plain text (publicTokens are): it is not blind to these files.
    for (const { publicToken } of issued.values()) {
      expect(contents.some(({ bytes }) => bytes.includes(publicToken))).toBe(true);
    }
    for (const { file, bytes } of contents) {
      for (const token of accessTokens()) {
        expect({ file, found: bytes.includes(token) }).toEqual({ file, found: false });
        expect({ file, found: bytes.includes(Buffer.from(token).toString('base64')) }).toEqual({ file, found: false });
      }
    }
  });

  it('leaves no access token in a log line or an answer', () => {
    const seen = [...(local?.output ?? []), ...answers.map(({ text }) => text)].join('\n');
    for (const token of accessTokens()) expect(seen).not.toContain(token);
  });

  it('stores each access token only as ciphertext that decrypts to what Human API issued, under its own clientUserId', async () => {
    const records = await readStoredRecords(root);

    expect(records.map(({ clientUserId, accessToken }) => ({ clientUserId, accessToken })).sort(byUser)).toEqual(
      [...issued.values()].map(({ clientUserId, accessToken }) => ({ clientUserId, accessToken })).sort(byUser),
    );
    for (const record of records) {
      expect(JSON.stringify({ ...record, accessToken: undefined })).not.toContain(record.accessToken);
    }
  });
});

function byUser(a: { clientUserId: string }, b: { clientUserId: string }): number {
  return a.clientUserId.localeCompare(b.clientUserId);
}
