/**
 * `npm start [-- --in-memory]`: runs local mode until interrupted.
 */
import { ConfigError } from '../functions/commons/config.js';
import { OWNER_ONLY_UMASK, restrictDataDir } from './data-permissions.js';
import { type LocalMode, startLocalMode } from './server.js';
import { type LocalSettings, readLocalSettings } from './settings.js';

// Before anything writes a file: the secret, the sandbox's state and dynalite's tokens stay owner-only.
process.umask(OWNER_ONLY_UMASK);

let settings: LocalSettings;
let local: LocalMode;
try {
  settings = readLocalSettings(process.env, process.argv);
  if (!settings.inMemory) await restrictDataDir('.data');
  local = await startLocalMode({ env: process.env, settings });
} catch (error) {
  // A configuration mistake deserves one clear line, not a stack trace.
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

const lines = [
  `Human Connect back end, local mode (${settings.inMemory ? 'in memory' : 'data in .data/'})`,
  `  API:        ${local.apiUrl}  (POST /sessions, POST /public-tokens)`,
  `  Front end:  ${local.webUrl}`,
  `  CORS:       ${local.allowedOrigins.join(', ')}`,
  settings.humanApiBaseUrl === undefined
    ? `  Human API:  sandbox at ${local.apiUrl}/sandbox/humanapi`
    : `  Human API:  ${settings.humanApiBaseUrl}`,
  settings.jwt === undefined
    ? '  Identity:   no JWT: /sessions is open and /public-tokens is open on loopback (deployed, it requires AWS IAM)'
    : `  Identity:   JWT mode (issuer ${settings.jwt.issuer}); requests without a valid bearer token get 401`,
  'Ready.',
];
process.stdout.write(`${lines.join('\n')}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await local.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
