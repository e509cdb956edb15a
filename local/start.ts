/**
 * `npm start [-- --in-memory]`: runs local mode until interrupted. Every start-up failure is
 * one line on stderr naming the cause and what to change (docs/local-mode.md#the-terminal).
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, DEFAULT_HUMANAPI_AUTH_BASE_URL } from '../functions/commons/config.js';
import { ROUTES, routeKeyOf } from '../functions/contract/routes.js';
import { DataDirLockedError, lockDataDir } from './data-lock.js';
import { OWNER_ONLY_UMASK, restrictDataDir } from './data-permissions.js';
import { formatForcedStopLine, formatRequestLine, formatStoppingLine, formatStopSummary } from './request-log.js';
import { type LocalMode, startLocalMode } from './server.js';
import {
  type ConnectGeneration,
  type LocalSettings,
  readLocalSettings,
  serviceEnvironmentExports,
  serviceEnvironmentFile,
} from './settings.js';
import { LOCAL_NOTIFICATIONS_QUEUE } from './sqs.js';

const DATA_DIR = '.data';
/** Where a persisted local mode writes the service environment (0600). */
const SERVICE_ENV_FILE = `${DATA_DIR}/local-aws.env`;
/** What the example page opens, by `CONNECT_GENERATION`. */
const CONNECT_CLIENTS: Record<ConnectGeneration, string> = {
  v1: 'connect.js',
  current: 'humanapi-connect-client',
};

// Before anything writes a file: the secret, the sandbox's state and dynalite's tokens stay owner-only.
process.umask(OWNER_ONLY_UMASK);

/** The one line a start-up failure prints. */
function startupFailureLine(error: unknown, settings: LocalSettings | undefined): string {
  if (error instanceof ConfigError || error instanceof DataDirLockedError) return error.message;
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  const port = error instanceof Error && 'port' in error ? Number(error.port) : undefined;
  if (code === 'EADDRINUSE' && settings !== undefined && port !== undefined) {
    const variables = [
      ...(port === settings.apiPort ? ['PORT'] : []),
      ...(port === settings.webPort ? ['WEB_PORT'] : []),
    ];
    const names = variables.length === 0 ? 'PORT or WEB_PORT' : variables.join(' and ');
    return `Port ${port} is already in use (${names}): stop what listens there, or set ${names} to a free port (0 picks one)`;
  }
  if (code === 'EACCES' && port !== undefined) {
    return `Port ${port} may not be opened by this user (PORT or WEB_PORT): choose a port above 1023`;
  }
  // Anything else: its first line, no stack trace.
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return `Local mode could not start: ${message.split('\n')[0]}`;
}

let settings: LocalSettings | undefined;
let local: LocalMode;
try {
  settings = readLocalSettings(process.env, process.argv);
  const releaseDataDir = settings.inMemory ? () => undefined : lockDataDir(resolve(DATA_DIR), `${DATA_DIR}/`);
  if (!settings.inMemory) await restrictDataDir(DATA_DIR);
  const logFormat = settings.logFormat;
  // A terminal that shows colour gets a red ✗ on failures; a pipe or NO_COLOR gets the word.
  const tty = process.stdout.isTTY === true && (process.env.NO_COLOR ?? '') === '';
  try {
    local = await startLocalMode({
      env: process.env,
      settings,
      dataDir: DATA_DIR,
      ...(logFormat === 'line'
        ? { onRequest: (summary) => process.stdout.write(`${formatRequestLine(summary, { tty })}\n`) }
        : {}),
    });
  } catch (error) {
    releaseDataDir();
    throw error;
  }
  if (!settings.inMemory) {
    // The service environment (docs/local-mode.md#running-your-own-service-against-local-mode),
    // rewritten at every start: the stand-ins' ports change.
    writeFileSync(SERVICE_ENV_FILE, serviceEnvironmentFile(local.serviceEnvironment), { mode: 0o600 });
    // An earlier run's file keeps its mode on rewrite: owner-only, as everything in .data/.
    chmodSync(SERVICE_ENV_FILE, 0o600);
  }
} catch (error) {
  process.stderr.write(`${startupFailureLine(error, settings)}\n`);
  process.exit(1);
}

const ready = settings;
// The service environment: the file written above or, with nothing on disk, the lines to paste.
const serviceLines = ready.inMemory
  ? [
      '  Services:   your own service against local mode, paste into its shell:',
      ...serviceEnvironmentExports(local.serviceEnvironment).map((line) => `    ${line}`),
    ]
  : [`  Services:   your own service against local mode: set -a; . ${SERVICE_ENV_FILE}; set +a`];
const otherGeneration = ready.connectGeneration === 'v1' ? 'current' : 'v1';
const lines = [
  ready.inMemory
    ? 'Human Connect back end, local mode (in memory: nothing is kept once it stops)'
    : `Human Connect back end, local mode (data in ${DATA_DIR}/; to start afresh: stop it, then rm -rf ${DATA_DIR})`,
  `  API:        ${local.apiUrl}  (${ROUTES.map(routeKeyOf).join(', ')})`,
  `  Front end:  ${local.webUrl}`,
  `  Connect:    ${ready.connectGeneration} (${CONNECT_CLIENTS[ready.connectGeneration]}) on the example page; CONNECT_GENERATION=${otherGeneration} switches it`,
  `  CORS:       ${local.allowedOrigins.join(', ')}`,
  ready.humanApiBaseUrl === undefined
    ? `  Human API:  sandbox at ${local.apiUrl}/sandbox/humanapi`
    : `  Human API:  ${ready.humanApiBaseUrl}`,
  local.authSandboxMode
    ? `  Human API (current): sandbox at ${local.apiUrl}/sandbox/humanapi-auth`
    : `  Human API (current): ${ready.humanApiAuthBaseUrl ?? DEFAULT_HUMANAPI_AUTH_BASE_URL}`,
  // The URL's secret is a secret: the banner names where it is kept, never its value.
  `  Notifications: ${local.apiUrl}/notifications/… (the path secret is ${ready.notificationsSecretId} in the local Secrets Manager${local.notifications === undefined ? '' : '; the sandbox posts there after each connection'}); queued on ${LOCAL_NOTIFICATIONS_QUEUE}, read by the app back end's inbox`,
  ready.jwt === undefined
    ? `  Identity:   no JWT: /sessions is open; ${ROUTES.filter((route) => route.caller === 'iam')
        .map(routeKeyOf)
        .join(', ')} require AWS IAM (SigV4, service execute-api)`
    : `  Identity:   JWT mode (issuer ${ready.jwt.issuer}); requests without a valid bearer token get 401`,
  ...(local.iamCredentials === undefined
    ? []
    : [
        `  Local IAM:  access key ${local.iamCredentials.accessKeyId}, secret ${local.iamCredentials.secretAccessKey}`,
        `              (curl --aws-sigv4 "aws:amz:${ready.awsRegion}:execute-api" --user KEY:SECRET …)`,
      ]),
  ...serviceLines,
  ready.logFormat === 'line'
    ? "  Logs:       one line per request (LOG_FORMAT=json for the functions' JSON logs)"
    : "  Logs:       the functions' Powertools JSON logs (LOG_FORMAT=json)",
  'Ready.',
];
process.stdout.write(`${lines.join('\n')}\n`);

// Ctrl-C (or SIGTERM) finishes what is in flight and says what it finished, kept and dropped; a
// second one stops at once (docs/local-mode.md#stopping-and-resetting). One Ctrl-C under `npm start`
// reaches this process more than once (from the terminal, and relayed by npm and tsx): signals
// within a second of the first are that same Ctrl-C.
const SAME_STOP_MS = 1000;
let stoppingSince: number | undefined;
const stop = async (signal: NodeJS.Signals) => {
  const say = (line: string | undefined) => {
    if (line !== undefined) process.stdout.write(`${line}\n`);
  };
  if (stoppingSince !== undefined) {
    if (performance.now() - stoppingSince < SAME_STOP_MS) return;
    say(formatForcedStopLine({ at: new Date(), signal, inFlight: local.requestsInFlight }));
    process.exit(1);
  }
  stoppingSince = performance.now();
  say(formatStoppingLine({ at: new Date(), signal, inFlight: local.requestsInFlight, graceMs: local.stopGraceMs }));
  const report = await local.close();
  for (const line of formatStopSummary(report, { at: new Date(), signal, dataDir: DATA_DIR })) say(line);
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
