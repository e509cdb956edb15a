/**
 * Local mode (dynalite, secret store, Human API sandbox) in its own process, so its work never
 * lands on the measured handler process's event loop or CPU time. Started by `run.ts` with an
 * IPC channel; answers `env`, `mint`, `connect`, `counters` and `attributes` requests (`ipc.ts`).
 */

import { startLocalMode } from '../local/server.js';
import { IN_MEMORY_FLAG, readLocalSettings } from '../local/settings.js';
import { serve } from './ipc.js';

const settings = readLocalSettings(process.env, [IN_MEMORY_FLAG]);
// The sandbox's notifications after each connection would add the receiver's work (and its secret
// reads) to what is counted of the measured finishes; they are benchmarked on their own.
const localMode = await startLocalMode({ env: process.env, settings, notifyOnConnection: false });
const sandbox = localMode.sandbox;
if (sandbox === undefined || process.send === undefined) throw new Error('needs the sandbox and an IPC channel');

serve(process, {
  env: () => ({ ...process.env }),
  /** A fresh sessionTokenObject per clientUserId. */
  mint: (clientUserIds) => (clientUserIds as string[]).map((clientUserId) => sandbox.mintSession(clientUserId)),
  /**
   * Connects v1 users (a session finished through the API) and answers each one's access token,
   * decrypted from the table: what a service holding the token would send (the gateway's bench).
   */
  connect: async (clientUserIds) => {
    const users: { clientUserId: string; accessToken: string }[] = [];
    for (const clientUserId of clientUserIds as string[]) {
      const finished = await fetch(`${localMode.apiUrl}/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(sandbox.mintSession(clientUserId)),
      });
      if (finished.status !== 200) throw new Error(`finishing ${clientUserId} answered ${finished.status}`);
      const record = await localMode.dynamoDb.readItem(settings.tokensTableName, { clientUserId });
      const ciphertext = record?.accessTokenCiphertext;
      const accessToken =
        typeof ciphertext === 'string' ? localMode.kms.decrypt(ciphertext, { clientUserId }) : undefined;
      if (accessToken === undefined) throw new Error(`no access token stored for ${clientUserId}`);
      users.push({ clientUserId, accessToken });
    }
    return users;
  },
  /** Cumulative requests served, by service (and DynamoDB operation). */
  counters: () => {
    const counters: Record<string, number> = {
      SecretsManager: localMode.secretStore.reads,
      HumanApi: sandbox.exchangeCalls,
      'KMS.Decrypt': localMode.kms.decryptRequests,
    };
    for (const [operation, count] of Object.entries(localMode.dynamoDb.requestCounts)) {
      counters[`DynamoDB.${operation}`] = count;
    }
    return counters;
  },
  /** The attribute names of a stored token record. */
  attributes: async (clientUserId) =>
    Object.keys(
      (await localMode.dynamoDb.readItem(settings.tokensTableName, {
        clientUserId: String(clientUserId),
      })) ?? {},
    ).sort(),
  close: async () => {
    setImmediate(() => localMode.close().then(() => process.exit(0)));
  },
});
process.send({ id: 0, type: 'ready', answer: true });
