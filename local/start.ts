/**
 * `npm start [-- --in-memory]`: runs local mode until interrupted.
 */
import { ConfigError } from '../functions/commons/config.js';
import { type LocalMode, startLocalMode } from './server.js';

const inMemory = process.argv.includes('--in-memory');
let local: LocalMode;
try {
  local = await startLocalMode({ env: process.env, inMemory });
} catch (error) {
  // A configuration mistake deserves one clear line, not a stack trace.
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

const lines = [
  `Human Connect back end, local mode (${inMemory ? 'in memory' : 'data in .data/'})`,
  `  API:        ${local.apiUrl}  (POST /sessions, POST /public-tokens)`,
  `  Front end:  ${local.webUrl}`,
  `  CORS:       ${local.allowedOrigins.join(', ')}`,
  local.sandboxMode
    ? `  Human API:  sandbox at ${local.apiUrl}/sandbox/humanapi`
    : `  Human API:  ${process.env.HUMANAPI_BASE_URL}`,
  local.jwtMode
    ? `  Identity:   JWT mode (issuer ${process.env.AUTH_ISSUER}); requests without a valid bearer token get 401`
    : '  Identity:   no JWT: /sessions is open; /public-tokens requires AWS IAM (SigV4, service execute-api)',
  ...(local.iamCredentials === undefined
    ? []
    : [
        `  Local IAM:  access key ${local.iamCredentials.accessKeyId}, secret ${local.iamCredentials.secretAccessKey}`,
        `              (curl --aws-sigv4 "aws:amz:${process.env.AWS_REGION}:execute-api" --user KEY:SECRET …)`,
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
