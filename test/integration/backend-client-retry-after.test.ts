/**
 * The service client's `humanData` refusals carry the answer's `Retry-After` (client/backend-client.ts
 * `ConnectBackendError.retryAfterSeconds`), so a caller such as the example app back end
 * (web/app-server/activity-route.ts) can pass Human API's rate limit on: against local mode over real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectBackendError, createConnectBackendClient } from '../../client/backend-client.js';
import { injectHumanApiFault, mintSession, post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';
import { LOCAL_IAM_CREDENTIALS } from '../support/sigv4.js';

let local: LocalModeProcess;
const client = () =>
  createConnectBackendClient({ apiUrl: local.apiUrl, region: 'us-east-1', credentials: LOCAL_IAM_CREDENTIALS });

beforeAll(async () => {
  local = await startLocalModeProcess();
  expect((await post(`${local.apiUrl}/sessions`, await mintSession(local.apiUrl, 'rita'))).status).toBe(200);
});

afterAll(async () => {
  await local?.stop();
});

describe('the service client\u2019s refusals and Retry-After', () => {
  it('carries the gateway\u2019s Retry-After of a 503 humanapi-rate-limited', async () => {
    const fault = await post(`${local.apiUrl}/sandbox/humanapi/faults`, { status: 429, retryAfter: 7 });
    expect(fault.status).toBe(201);

    const refusal = client().humanData('rita', 'profile');

    await expect(refusal).rejects.toBeInstanceOf(ConnectBackendError);
    await expect(refusal).rejects.toMatchObject({
      status: 503,
      retryAfterSeconds: 7,
      problem: { type: 'urn:humanconnect:problem:humanapi-rate-limited' },
    });
  });

  it('has none when the answer carried none (a 502 after Human API\u2019s 5xx)', async () => {
    await injectHumanApiFault(local.apiUrl, { status: 500, count: 3 });

    const refusal = client().humanData('rita', 'profile');

    await expect(refusal).rejects.toMatchObject({
      status: 502,
      retryAfterSeconds: undefined,
      problem: { type: 'urn:humanconnect:problem:humanapi-failed' },
    });
  });
});
