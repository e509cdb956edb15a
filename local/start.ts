/**
 * `npm start [-- --in-memory]`: runs local mode until interrupted.
 */
import { ConfigError, DEFAULT_HUMANAPI_AUTH_BASE_URL } from '../functions/commons/config.js';
import { type LocalMode, startLocalMode } from './server.js';
import { type LocalSettings, readLocalSettings } from './settings.js';

let settings: LocalSettings;
let local: LocalMode;
try {
  settings = readLocalSettings(process.env, process.argv);
  local = await startLocalMode({ env: process.env, settings });
} catch (error) {
  // A configuration mistake deserves one clear line, not a stack trace.
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

const lines = [
  `Human Connect back end, local mode (${settings.inMemory ? 'in memory' : 'data in .data/'})`,
  `  API:        ${local.apiUrl}  (POST /sessions, POST /public-tokens, POST /connect-tokens)`,
  `  Front end:  ${local.webUrl}`,
  `  CORS:       ${local.allowedOrigins.join(', ')}`,
  settings.humanApiBaseUrl === undefined
    ? `  Human API:  sandbox at ${local.apiUrl}/sandbox/humanapi`
    : `  Human API:  ${settings.humanApiBaseUrl}`,
  local.authSandboxMode
    ? `  Human API (current): sandbox at ${local.apiUrl}/sandbox/humanapi-auth`
    : `  Human API (current): ${settings.humanApiAuthBaseUrl ?? DEFAULT_HUMANAPI_AUTH_BASE_URL}`,
  settings.jwt === undefined
    ? '  Identity:   no JWT: /sessions is open; /public-tokens requires AWS IAM (SigV4, service execute-api)'
    : `  Identity:   JWT mode (issuer ${settings.jwt.issuer}); requests without a valid bearer token get 401`,
  ...(local.iamCredentials === undefined
    ? []
    : [
        `  Local IAM:  access key ${local.iamCredentials.accessKeyId}, secret ${local.iamCredentials.secretAccessKey}`,
        `              (curl --aws-sigv4 "aws:amz:${settings.awsRegion}:execute-api" --user KEY:SECRET …)`,
      ]),
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
