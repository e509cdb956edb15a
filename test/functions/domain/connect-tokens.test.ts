import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createConnectToken } from '../../../functions/domain/connect-tokens.js';
import {
  CallerMismatchError,
  HumanApiAuthError,
  HumanApiFailedError,
  HumanApiRejectedError,
  HumanApiTimeoutError,
} from '../../../functions/domain/errors.js';
import type { ConnectUser, ConnectUserStore, ConnectUserWrite } from '../../../functions/domain/ports.js';
import { RequestValidationError } from '../../../functions/domain/request-errors.js';
import type { HumanApiAuth } from '../../../functions/domain/service-ports.js';
import { CLIENT_ID, fakeSecrets } from '../fakes.js';

const humanId = 'h'.repeat(24);
const trusted = { kind: 'trusted' } as const;
const now = new Date('2026-12-01T10:00:00Z');
const session = { token: 'session-token', expiresIn: 3600, humanId };
const idToken = { token: 'id-token', expiresIn: 600, humanId };

function fakeAuth() {
  return {
    mintSessionToken: vi.fn<HumanApiAuth['mintSessionToken']>(async () => session),
    mintIdToken: vi.fn<HumanApiAuth['mintIdToken']>(async () => idToken),
    mintAccessToken: vi.fn<HumanApiAuth['mintAccessToken']>(),
  };
}

/** The users' records in memory: every write kept, a user marked to reconnect reads as not connected. */
function memoryUsers(initial: ConnectUser[] = []): ConnectUserStore & {
  writes: ConnectUserWrite[];
  marks: { clientUserId: string; now: Date }[];
} {
  const users = new Map(initial.map((user) => [user.clientUserId, user]));
  const writes: ConnectUserWrite[] = [];
  const marks: { clientUserId: string; now: Date }[] = [];
  return {
    writes,
    marks,
    async getConnectUser(clientUserId) {
      return users.get(clientUserId);
    },
    async recordConnectUser(write) {
      writes.push(write);
      const previous = users.get(write.clientUserId);
      users.set(write.clientUserId, {
        clientUserId: write.clientUserId,
        humanId: write.humanId,
        connected: (previous?.connected ?? false) || write.connected,
        // A connection clears the mark, as the store's write removes reconnectRequired.
        ...(previous?.reconnectRequired === true && !write.connected ? { reconnectRequired: true } : {}),
      });
    },
    async markReconnectRequired(clientUserId, at) {
      marks.push({ clientUserId, now: at });
      const previous = users.get(clientUserId);
      if (previous !== undefined) users.set(clientUserId, { ...previous, connected: false });
    },
    async markAccessTokenRefused() {
      throw new Error('/connect-tokens never handles an access token');
    },
  };
}

describe('createConnectToken', () => {
  let humanApiAuth: ReturnType<typeof fakeAuth>;
  let secrets: ReturnType<typeof fakeSecrets>;

  beforeEach(() => {
    humanApiAuth = fakeAuth();
    secrets = fakeSecrets('old-secret', 'new-secret');
  });
  const dependencies = (connectUsers: ConnectUserStore) => ({
    clientId: CLIENT_ID,
    humanApiAuth,
    secrets,
    connectUsers,
    now: () => now,
  });

  it('mints a session token for a new user and records the humanId without tokens', async () => {
    const users = memoryUsers();

    const answer = await createConnectToken(
      { clientUserId: 'alice', email: 'alice@example.com' },
      trusted,
      dependencies(users),
    );

    expect(answer).toEqual({ token: 'session-token', mode: 'create', expiresIn: 3600, humanId });
    expect(humanApiAuth.mintSessionToken).toHaveBeenCalledWith({
      clientId: CLIENT_ID,
      clientSecret: 'old-secret',
      clientUserId: 'alice',
      email: 'alice@example.com',
    });
    expect(users.writes).toEqual([{ clientUserId: 'alice', humanId, clientId: CLIENT_ID, connected: false, now }]);
  });

  it('mints an id_token (edit), even with an email, for a user whose record shows a connection, writing nothing', async () => {
    const users = memoryUsers([{ clientUserId: 'alice', humanId, connected: true }]);

    const answer = await createConnectToken(
      { clientUserId: 'alice', email: 'a@example.com' },
      trusted,
      dependencies(users),
    );

    expect(answer).toEqual({ token: 'id-token', mode: 'edit', expiresIn: 600, humanId });
    expect(humanApiAuth.mintSessionToken).not.toHaveBeenCalled();
    expect(users.writes).toEqual([]);
  });

  it('answers 400 naming email for a new user without one, calling nobody', async () => {
    const users = memoryUsers();

    const refusal = createConnectToken({ clientUserId: 'alice' }, trusted, dependencies(users));

    await expect(refusal).rejects.toBeInstanceOf(RequestValidationError);
    await expect(refusal).rejects.toMatchObject({ issues: [{ path: 'email' }] });
    expect(humanApiAuth.mintIdToken).not.toHaveBeenCalled();
    expect(humanApiAuth.mintSessionToken).not.toHaveBeenCalled();
  });

  it('tries an id_token for a known user without email, and marks the user connected when granted', async () => {
    const users = memoryUsers([{ clientUserId: 'alice', humanId, connected: false }]);

    const answer = await createConnectToken({ clientUserId: 'alice' }, trusted, dependencies(users));

    expect(answer.mode).toBe('edit');
    expect(users.writes).toEqual([{ clientUserId: 'alice', humanId, clientId: CLIENT_ID, connected: true, now }]);
  });

  it('answers 400 naming email when Human API refuses the known user an id_token', async () => {
    humanApiAuth.mintIdToken.mockRejectedValue(new HumanApiRejectedError(404));
    const users = memoryUsers([{ clientUserId: 'alice', humanId, connected: false }]);

    await expect(createConnectToken({ clientUserId: 'alice' }, trusted, dependencies(users))).rejects.toMatchObject({
      issues: [{ path: 'email' }],
    });
    expect(users.writes).toEqual([]);
  });

  it('falls back to an id_token when Human API refuses a session (the user exists)', async () => {
    humanApiAuth.mintSessionToken.mockRejectedValue(new HumanApiRejectedError(409));
    const users = memoryUsers();

    const answer = await createConnectToken(
      { clientUserId: 'alice', email: 'a@example.com' },
      trusted,
      dependencies(users),
    );

    expect(answer).toEqual({ token: 'id-token', mode: 'edit', expiresIn: 600, humanId });
    expect(users.writes).toEqual([{ clientUserId: 'alice', humanId, clientId: CLIENT_ID, connected: true, now }]);
  });

  it('answers the session refusal when the id_token is refused too, writing nothing', async () => {
    const refusal = new HumanApiRejectedError(400);
    humanApiAuth.mintSessionToken.mockRejectedValue(refusal);
    humanApiAuth.mintIdToken.mockRejectedValue(new HumanApiRejectedError(404));
    const users = memoryUsers();

    await expect(
      createConnectToken({ clientUserId: 'alice', email: 'a@example.com' }, trusted, dependencies(users)),
    ).rejects.toBe(refusal);
    expect(users.writes).toEqual([]);
  });

  it('does not fall back when Human API fails or times out', async () => {
    humanApiAuth.mintSessionToken.mockRejectedValueOnce(new HumanApiFailedError('500'));
    humanApiAuth.mintSessionToken.mockRejectedValueOnce(new HumanApiTimeoutError(1000));
    const users = memoryUsers();
    const request = { clientUserId: 'alice', email: 'a@example.com' };

    await expect(createConnectToken(request, trusted, dependencies(users))).rejects.toBeInstanceOf(HumanApiFailedError);
    await expect(createConnectToken(request, trusted, dependencies(users))).rejects.toBeInstanceOf(
      HumanApiTimeoutError,
    );
    expect(humanApiAuth.mintIdToken).not.toHaveBeenCalled();
    expect(users.writes).toEqual([]);
  });

  it('re-reads the secret once when Human API refuses the credentials', async () => {
    humanApiAuth.mintSessionToken.mockRejectedValueOnce(new HumanApiAuthError(401));

    const answer = await createConnectToken(
      { clientUserId: 'alice', email: 'a@example.com' },
      trusted,
      dependencies(memoryUsers()),
    );

    expect(answer.mode).toBe('create');
    expect(humanApiAuth.mintSessionToken).toHaveBeenLastCalledWith(
      expect.objectContaining({ clientSecret: 'new-secret' }),
    );
    expect(secrets.refreshes).toBe(1);
  });

  it('answers 502 and writes nothing when Human API names another humanId than the stored one', async () => {
    humanApiAuth.mintIdToken.mockResolvedValue({ ...idToken, humanId: 'x'.repeat(24) });
    const users = memoryUsers([{ clientUserId: 'alice', humanId, connected: true }]);

    await expect(createConnectToken({ clientUserId: 'alice' }, trusted, dependencies(users))).rejects.toBeInstanceOf(
      HumanApiFailedError,
    );
    expect(users.writes).toEqual([]);
  });

  it('answers the stored humanId when the id_token answer has none', async () => {
    humanApiAuth.mintIdToken.mockResolvedValue({ ...idToken, humanId: undefined });
    const users = memoryUsers([{ clientUserId: 'alice', humanId, connected: true }]);

    const answer = await createConnectToken({ clientUserId: 'alice' }, trusted, dependencies(users));

    expect(answer.humanId).toBe(humanId);
  });

  describe('a user the record shows connected whom Human API refuses an id token', () => {
    const connectedAlice = () => memoryUsers([{ clientUserId: 'alice', humanId, connected: true }]);

    it('is marked reconnectRequired and answered a create session token when the email is given', async () => {
      humanApiAuth.mintIdToken.mockRejectedValue(new HumanApiRejectedError(404));
      const users = connectedAlice();

      const answer = await createConnectToken(
        { clientUserId: 'alice', email: 'alice@example.com' },
        trusted,
        dependencies(users),
      );

      expect(answer).toEqual({ token: 'session-token', mode: 'create', expiresIn: 3600, humanId });
      expect(users.marks).toEqual([{ clientUserId: 'alice', now }]);
      expect(humanApiAuth.mintIdToken).toHaveBeenCalledTimes(1);
      expect(humanApiAuth.mintSessionToken).toHaveBeenCalledWith({
        clientId: CLIENT_ID,
        clientSecret: 'old-secret',
        clientUserId: 'alice',
        email: 'alice@example.com',
      });
      expect(users.writes).toEqual([{ clientUserId: 'alice', humanId, clientId: CLIENT_ID, connected: false, now }]);
      expect(await users.getConnectUser('alice')).toEqual({ clientUserId: 'alice', humanId, connected: false });
    });

    it('records and answers the new humanId Human API gives the reconnecting user', async () => {
      const newHumanId = 'n'.repeat(24);
      humanApiAuth.mintIdToken.mockRejectedValue(new HumanApiRejectedError(404));
      humanApiAuth.mintSessionToken.mockResolvedValue({ ...session, humanId: newHumanId });
      const users = connectedAlice();

      const answer = await createConnectToken(
        { clientUserId: 'alice', email: 'alice@example.com' },
        trusted,
        dependencies(users),
      );

      expect(answer).toEqual({ token: 'session-token', mode: 'create', expiresIn: 3600, humanId: newHumanId });
      expect(users.writes).toEqual([
        { clientUserId: 'alice', humanId: newHumanId, clientId: CLIENT_ID, connected: false, now },
      ]);
    });

    it('is marked reconnectRequired and answered 400 naming email when none is given, minting no session', async () => {
      humanApiAuth.mintIdToken.mockRejectedValue(new HumanApiRejectedError(404));
      const users = connectedAlice();

      const refusal = createConnectToken({ clientUserId: 'alice' }, trusted, dependencies(users));

      await expect(refusal).rejects.toBeInstanceOf(RequestValidationError);
      await expect(refusal).rejects.toMatchObject({
        issues: [{ path: 'email', message: 'Required for a user who is not connected' }],
      });
      expect(users.marks).toEqual([{ clientUserId: 'alice', now }]);
      expect(humanApiAuth.mintSessionToken).not.toHaveBeenCalled();
      expect(users.writes).toEqual([]);
    });

    it('connects again in a later call as the new human Human API knows: create, then edit', async () => {
      // Prepare: marked by an earlier call that had no email; Human API deleted the user, so the
      // session it mints now is for a new humanId, and so is the id_token once the user connected.
      const newHumanId = 'n'.repeat(24);
      const users = memoryUsers([{ clientUserId: 'alice', humanId, connected: false, reconnectRequired: true }]);
      humanApiAuth.mintSessionToken.mockResolvedValue({ ...session, humanId: newHumanId });
      humanApiAuth.mintIdToken.mockResolvedValue({ ...idToken, humanId: newHumanId });

      // Act
      const created = await createConnectToken(
        { clientUserId: 'alice', email: 'alice@example.com' },
        trusted,
        dependencies(users),
      );
      const edited = await createConnectToken({ clientUserId: 'alice' }, trusted, dependencies(users));

      // Assess
      expect(created).toEqual({ token: 'session-token', mode: 'create', expiresIn: 3600, humanId: newHumanId });
      expect(edited).toEqual({ token: 'id-token', mode: 'edit', expiresIn: 600, humanId: newHumanId });
      expect(users.writes).toEqual([
        { clientUserId: 'alice', humanId: newHumanId, clientId: CLIENT_ID, connected: false, now },
        { clientUserId: 'alice', humanId: newHumanId, clientId: CLIENT_ID, connected: true, now },
      ]);
    });

    it('is neither marked nor answered create when Human API fails rather than refuses', async () => {
      humanApiAuth.mintIdToken.mockRejectedValue(new HumanApiFailedError('Human API answered 500.'));
      const users = connectedAlice();

      await expect(
        createConnectToken({ clientUserId: 'alice', email: 'alice@example.com' }, trusted, dependencies(users)),
      ).rejects.toBeInstanceOf(HumanApiFailedError);
      expect(users.marks).toEqual([]);
      expect(humanApiAuth.mintSessionToken).not.toHaveBeenCalled();
      expect(users.writes).toEqual([]);
    });
  });

  describe('caller rules', () => {
    it('takes the signed-in caller as the user', async () => {
      const answer = await createConnectToken(
        { email: 'bob@example.com' },
        { kind: 'user', userId: 'bob' },
        dependencies(memoryUsers()),
      );

      expect(answer.mode).toBe('create');
      expect(humanApiAuth.mintSessionToken).toHaveBeenCalledWith(expect.objectContaining({ clientUserId: 'bob' }));
    });

    it('refuses a signed-in caller naming another user, before any read or call', async () => {
      const users = memoryUsers();
      const read = vi.spyOn(users, 'getConnectUser');

      await expect(
        createConnectToken(
          { clientUserId: 'alice', email: 'a@example.com' },
          { kind: 'user', userId: 'mallory' },
          dependencies(users),
        ),
      ).rejects.toBeInstanceOf(CallerMismatchError);
      expect(read).not.toHaveBeenCalled();
      expect(humanApiAuth.mintSessionToken).not.toHaveBeenCalled();
    });

    it('answers 400 naming clientUserId to a trusted caller without one', async () => {
      await expect(
        createConnectToken({ email: 'a@example.com' }, trusted, dependencies(memoryUsers())),
      ).rejects.toMatchObject({ issues: [{ path: 'clientUserId' }] });
    });
  });
});
