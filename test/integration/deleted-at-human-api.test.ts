/**
 * A user Human API deleted (its portal, or support on the team's request) reconnecting, against
 * the sandbox over real HTTP: the record still says "connected", Human API refuses the user an id
 * token, so `/connect-tokens` marks the record and answers create (400 naming email without one);
 * with an email the user connects again as the new human Human API knows, and edit mode works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintSession, post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';
import { signedPost } from '../support/sigv4.js';

let local: LocalModeProcess;
let userCount = 0;
const newUser = (label: string) => `${label}-${++userCount}@example.com`;

const connectTokens = (body: object) => signedPost(`${local.apiUrl}/connect-tokens`, body);
const complete = (token: unknown) => post(`${local.apiUrl}/sandbox/humanapi-auth/connect/complete`, { token });
const deleteAtHumanApi = (clientUserId: string) =>
  post(`${local.apiUrl}/sandbox/humanapi/users/delete`, { clientUserId });
async function record(clientUserId: string): Promise<Record<string, unknown>> {
  const answer = await fetch(
    `${local.apiUrl}/sandbox/dynamodb/record?clientUserId=${encodeURIComponent(clientUserId)}`,
  );
  return (await answer.json()) as Record<string, unknown>;
}

/** A user who connected through the current generation, or finished a v1 session. */
const CONNECTED_BY = {
  'the current generation': async (clientUserId: string) => {
    const created = await connectTokens({ clientUserId, email: clientUserId });
    expect((await complete(created.json.token)).status).toBe(200);
    return created.json.humanId as string;
  },
  'a v1 session': async (clientUserId: string) => {
    const finished = await post(`${local.apiUrl}/sessions`, await mintSession(local.apiUrl, clientUserId));
    expect(finished.status).toBe(200);
    return finished.json.humanId as string;
  },
};

beforeAll(async () => {
  local = await startLocalModeProcess();
});

afterAll(async () => {
  await local?.stop();
});

describe('a user deleted at Human API reconnecting', () => {
  it.each(Object.keys(CONNECTED_BY))('who connected through %s', async (by) => {
    // Prepare: connected, edit mode works; then Human API deletes the user.
    const clientUserId = newUser('deleted-there');
    const oldHumanId = await CONNECTED_BY[by as keyof typeof CONNECTED_BY](clientUserId);
    expect((await connectTokens({ clientUserId })).json).toMatchObject({ mode: 'edit', humanId: oldHumanId });
    const deleted = await deleteAtHumanApi(clientUserId);
    expect(deleted.json).toEqual({ deleted: true });

    // Act: the page asks for a token without an email, as for a connected user.
    const refused = await connectTokens({ clientUserId });

    // Assess: not connected any more: the record says so, and the answer asks for an email.
    expect(refused.status).toBe(400);
    expect(refused.json.errors).toEqual([{ path: 'email', message: 'Required for a user who is not connected' }]);
    expect(await record(clientUserId)).toMatchObject({ humanId: oldHumanId, reconnectRequired: true });

    // Act: with an email, create mode; the user connects in the popup; then the page asks again.
    const created = await connectTokens({ clientUserId, email: clientUserId });
    const popup = await complete(created.json.token);
    const edited = await connectTokens({ clientUserId });

    // Assess: a new human at Human API, recorded; edit mode for it, without an email.
    expect(created.status, created.text).toBe(200);
    expect(created.json).toMatchObject({ mode: 'create', humanId: expect.stringMatching(/^[0-9a-f]{24}$/) });
    expect(created.json.humanId).not.toBe(oldHumanId);
    expect(popup.status).toBe(200);
    expect(edited.status, edited.text).toBe(200);
    expect(edited.json).toMatchObject({ mode: 'edit', humanId: created.json.humanId });
    const reconnected = await record(clientUserId);
    expect(reconnected).toMatchObject({ humanId: created.json.humanId });
    expect(reconnected.reconnectRequired).toBe(false);
  });

  it('answers the hook 400 naming the field for a body without a clientUserId, and false for a user Human API never knew', async () => {
    const bad = await post(`${local.apiUrl}/sandbox/humanapi/users/delete`, { user: 'x' });
    const unknown = await deleteAtHumanApi(newUser('stranger'));

    expect(bad.status).toBe(400);
    expect(bad.json.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'clientUserId' })]));
    expect(unknown.json).toEqual({ deleted: false });
  });
});
