/**
 * Local mode (dynalite, secret store, Human API sandbox) in its own process, so its work never
 * lands on the measured handler process's event loop or CPU time. Started by `run.ts` with an
 * IPC channel; answers `env`, `mint`, `counters` and `attributes` requests (`ipc.ts`).
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
  /** Cumulative requests served, by service (and DynamoDB operation). */
  counters: () => {
    const counters: Record<string, number> = {
      SecretsManager: localMode.secretStore.reads,
      HumanApi: sandbox.exchangeCalls,
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
