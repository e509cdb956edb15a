/**
 * The service client's `deleteUser` (client/backend-client.ts) against local mode over real HTTP:
 * SigV4-signed with the local IAM principal, the answer parsed with the API's schema, an id the API
 * would refuse refused before sending, and the API's refusals answered as errors with their problem.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectBackendError, createConnectBackendClient } from '../../client/backend-client.js';
import { mintSession, post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';
import { LOCAL_IAM_CREDENTIALS } from '../support/sigv4.js';

let local: LocalModeProcess;
const client = () =>
  createConnectBackendClient({ apiUrl: local.apiUrl, region: 'us-east-1', credentials: LOCAL_IAM_CREDENTIALS });

beforeAll(async () => {
  local = await startLocalModeProcess();
});

afterAll(async () => {
  await local?.stop();
});

describe('the service client\u2019s deleteUser', () => {
  it('deletes a user named by an id that needs percent-encoding, and deleting again removes nothing', async () => {
    const clientUserId = 'client user/1+ü@example.com';
    expect((await post(`${local.apiUrl}/sessions`, await mintSession(local.apiUrl, clientUserId))).status).toBe(200);

    const first = await client().deleteUser(clientUserId);
    const again = await client().deleteUser(clientUserId);

    expect(first).toEqual({
      clientUserId,
      deletedAt: expect.any(String),
      deleted: { tokenRecord: true, idempotencyRecords: 1, atHumanApi: false },
    });
    expect(again.deleted).toEqual({ tokenRecord: false, idempotencyRecords: 0, atHumanApi: false });
  });

  it.each([
    ['an empty id', ''],
    ['an id with a control character', 'ali\u0000ce'],
    ['"me" (a service names the user)', 'me'],
  ])('refuses %s before sending', async (_, clientUserId) => {
    const refusal = client().deleteUser(clientUserId);

    await expect(refusal).rejects.toBeInstanceOf(ConnectBackendError);
    await expect(refusal).rejects.toMatchObject({ status: 400, problem: undefined });
  });

  it('answers API Gateway\u2019s refusal of a principal it does not allow as an error', async () => {
    const stranger = createConnectBackendClient({
      apiUrl: local.apiUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIASTRANGER', secretAccessKey: 'not-the-local-secret' },
    });

    await expect(stranger.deleteUser('alice@example.com')).rejects.toMatchObject({ status: 403, message: 'Forbidden' });
  });
});
