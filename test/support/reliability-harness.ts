/**
 * The reliability suite's harness: local mode as a child process with its
 * state in a fresh folder under `test-results/reliability/`, where every
 * request and answer is recorded and every log line is kept, so a test file
 * can end by scanning all of them for tokens and secrets, and hand its figures
 * to the run's summary.
 *
 * State lives on disk (not `--in-memory`) for one reason: it is the honest way
 * for a test to learn the values that must never leak. The client secret is
 * read from the local secret store's file, as ops would read it from Secrets
 * Manager; the accessTokens are read from the token table after the process
 * stopped, with dynalite itself. The API never shows either.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { LOCAL_TABLE_NAMES } from '../../local/dynamodb.js';
import { close, listen } from '../../local/http-util.js';
import type { IamCredentials } from '../../local/iam-authorizer.js';
import { createLocalKeyring } from '../../local/kms.js';
import { LOCAL_NOTIFICATIONS_SECRET_ID, LOCAL_SECRET_ID } from '../../local/settings.js';
import type { Answer, SessionTokenObject } from './http.js';
import { apiRouteOf, isApiPath, type LeakFinding, type RecordedResponse, scanForLeaks } from './leak-scan.js';
import { type LocalModeProcess, startLocalModeProcess } from './local-mode.js';
import { RELIABILITY_PARTS_DIR, RELIABILITY_RESULTS_DIR } from './reliability-summary.js';
import { signRequest } from './sigv4.js';

/** Whether a path is a route that requires a SigV4 signature without JWT (the route table says which). */
const isIamPath = (path: string) => apiRouteOf(path)?.caller === 'iam';

/** A stored token record as the sandbox's read-only endpoint shows it (never the accessToken). */
export interface StoredRecordView {
  readonly clientUserId: string;
  readonly humanId: string;
  readonly publicToken: string;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A full stored token record, read from the table itself after the process stopped. */
export interface StoredRecord extends StoredRecordView {
  readonly accessToken: string;
  /** The current generation's minted access token, decrypted; `''` when none. */
  readonly mintedAccessToken: string;
  readonly clientId: string;
}

/** Which dependency a fault was injected into. */
export type FaultTarget = 'humanApi' | 'dynamoDb' | 'secretsManager';

/** Figures a harness reports to the run's summary. */
export interface HarnessFigures {
  /** Requests sent to the API's routes. */
  apiRequests: number;
  /** Requests sent to the sandbox and fault hooks. */
  sandboxRequests: number;
  /** Fault injections (calls to a fault hook) and the dependency calls they cover, by dependency. */
  faults: Record<FaultTarget, { injections: number; calls: number }>;
  /** Stored records compared against what they must hold, and how many did not hold it. */
  recordsChecked: number;
  recordsLost: number;
  /** Topic-specific figures (bad input, load, …). */
  extra: Record<string, unknown>;
}

/** The outcome of {@link Harness.closeAndScan}. */
export interface LeakScan {
  readonly logLines: number;
  readonly responses: number;
  readonly knownValues: { secrets: number; accessTokens: number; publicTokens: number; sessionTokens: number };
  readonly findings: readonly LeakFinding[];
}

/** Options of {@link startHarness}. */
export interface HarnessOptions {
  /** Unique name: folder and summary part. */
  readonly name: string;
  /** Extra environment for local mode. */
  readonly env?: Record<string, string>;
}

/** Options of a request to the data gateway ({@link Harness.gateway}). */
export interface GatewayRequestOptions {
  readonly headers?: Record<string, string>;
  /** A body, which a GET should not have. */
  readonly body?: string;
  /** Whether to sign it (as the local IAM principal unless `credentials` say otherwise). @default true */
  readonly signed?: boolean;
  readonly credentials?: IamCredentials;
}

/** Options of one request. */
export interface RequestOptions {
  /** `Content-Type`; omitted entirely when `null`. @default 'application/json' for objects */
  readonly contentType?: string | null;
  readonly headers?: Record<string, string>;
}

/** A running local mode with everything recorded. */
export interface Harness {
  readonly name: string;
  /** The folder local mode runs in (its state is under `.data/`). */
  readonly dataDir: string;
  /** API origin of the current process (it changes on {@link Harness.restart}). */
  readonly apiUrl: string;
  /** Every log line printed so far, across restarts. */
  readonly logLines: readonly string[];
  /** Every answer received so far. */
  readonly responses: readonly RecordedResponse[];
  readonly figures: HarnessFigures;
  /** POSTs a body (objects as JSON, strings and bytes as they are). */
  post(path: string, body: unknown, options?: RequestOptions): Promise<Answer>;
  /** Sends `method` to a path (and query), with a body when one is given: a DELETE, say. */
  request(method: string, path: string, body?: unknown, options?: RequestOptions): Promise<Answer>;
  /** GETs a path (signed when its route requires IAM: the data gateway's). */
  get(path: string): Promise<Answer>;
  /**
   * GETs a data gateway path and query exactly as given (over `node:http`, so a body can be sent
   * too), signed as the team's back end signs unless told otherwise.
   */
  gateway(pathAndQuery: string, options?: GatewayRequestOptions): Promise<Answer>;
  /** Calls the data API sandbox has served (whatever it answered). */
  humanDataCalls(): Promise<number>;
  /** Mints the sessionTokenObject connect.js would hand to `finish`. */
  mintSession(clientUserId: string): Promise<SessionTokenObject>;
  /** `POST /sessions` with a sessionTokenObject, as JSON or as jQuery's form encoding. */
  finish(session: SessionTokenObject, encoding?: 'json' | 'form'): Promise<Answer>;
  /** Calls Human API's sandbox has served (tokens and publictokens). */
  humanApiCalls(): Promise<number>;
  /** DynamoDB requests served through the fault proxy, by operation. */
  dynamoDbRequests(): Promise<Record<string, number>>;
  /** The stored record of a user (without its accessToken), or `undefined`. */
  storedRecord(clientUserId: string): Promise<StoredRecordView | undefined>;
  /**
   * Asserts a user's stored record holds `expected` (or does not exist when
   * `undefined`), counting the check and, when it fails, a lost record.
   */
  checkRecord(
    clientUserId: string,
    expected: Partial<StoredRecordView> | undefined,
  ): Promise<{ held: boolean; actual: StoredRecordView | undefined }>;
  injectHumanApiFault(fault: {
    status?: number;
    delayMs?: number;
    count?: number;
    body?: string;
    /** A generated body of this many bytes (docs/local-mode.md#sandbox). */
    bodyBytes?: number;
    reset?: boolean;
  }): Promise<void>;
  injectDynamoDbFault(fault: {
    operation?: string;
    tableName?: string;
    count?: number;
    kind?: 'error' | 'throttle' | 'reset';
  }): Promise<void>;
  injectSecretsManagerFaults(count: number): Promise<void>;
  /** Clears every queued fault. */
  resetFaults(): Promise<void>;
  /** Rotates the client secret as ops would, and learns the new value from the secret store's file. */
  rotateSecret(): Promise<void>;
  /** The client secret now in the secret store (read from its file, as ops would read Secrets Manager). */
  currentSecret(): string;
  /** The notification URL's path secret now in the secret store (a secret: the leak scan looks for it too). */
  pathSecret(): string;
  /** Stops and starts local mode on the same data: a recycled Lambda environment. */
  restart(): Promise<void>;
  /** Stops local mode (idempotent). */
  stop(): Promise<void>;
  /**
   * Stops local mode, reads every stored record from the table, scans every
   * log line and answer for tokens and secrets, and writes the figures.
   */
  closeAndScan(): Promise<LeakScan & { readonly records: readonly StoredRecord[] }>;
}

/**
 * Reads every record of the token table from a stopped local mode's data folder, each
 * accessToken decrypted with the local KMS key (`.data/kms-key`) under its record's context.
 */
export async function readStoredRecords(dataDir: string): Promise<StoredRecord[]> {
  const keyring = createLocalKeyring(readFileSync(resolve(dataDir, '.data/kms-key')));
  const server = dynalite({ path: resolve(dataDir, '.data/dynamodb') });
  const port = await listen(server, 0);
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  try {
    const records: StoredRecord[] = [];
    for await (const page of paginateScan({ client }, { TableName: LOCAL_TABLE_NAMES.tokens })) {
      for (const item of page.Items ?? []) {
        const { accessTokenCiphertext, mintedAccessTokenCiphertext, clientUserId } = item;
        const decrypt = (ciphertext: unknown) =>
          typeof ciphertext === 'string' && typeof clientUserId === 'string'
            ? keyring.decrypt(Buffer.from(ciphertext, 'base64'), { clientUserId })?.toString('utf8')
            : undefined;
        records.push({
          ...item,
          accessToken: decrypt(accessTokenCiphertext) ?? '',
          mintedAccessToken: decrypt(mintedAccessTokenCiphertext) ?? '',
        } as StoredRecord);
      }
    }
    return records;
  } finally {
    client.destroy();
    await close(server);
  }
}

/** A value in the local secret store's file, as ops would read it from Secrets Manager. */
function readStoredSecret(dataDir: string, secretId: string): string | undefined {
  const stored = JSON.parse(readFileSync(resolve(dataDir, '.data/secrets.json'), 'utf8')) as Record<
    string,
    { value: string }
  >;
  return stored[secretId]?.value;
}

function readPathSecret(dataDir: string): string {
  const value = readStoredSecret(dataDir, LOCAL_NOTIFICATIONS_SECRET_ID);
  if (value === undefined) throw new Error('the local secret store holds no notifications path secret');
  return value;
}

function readCurrentSecret(dataDir: string): string {
  const value = readStoredSecret(dataDir, LOCAL_SECRET_ID);
  if (value === undefined) throw new Error('the local secret store holds no client secret');
  const parsed = JSON.parse(value) as { clientSecret?: unknown };
  if (typeof parsed.clientSecret !== 'string') throw new Error('the stored client secret is not {"clientSecret":"…"}');
  return parsed.clientSecret;
}

const emptyFigures = (): HarnessFigures => ({
  apiRequests: 0,
  sandboxRequests: 0,
  faults: {
    humanApi: { injections: 0, calls: 0 },
    dynamoDb: { injections: 0, calls: 0 },
    secretsManager: { injections: 0, calls: 0 },
  },
  recordsChecked: 0,
  recordsLost: 0,
  extra: {},
});

/** Starts local mode for a reliability test file. */
export async function startHarness({ name, env = {} }: HarnessOptions): Promise<Harness> {
  const dataDir = resolve(RELIABILITY_RESULTS_DIR, 'data', `${name}-${process.pid}-${Date.now()}`);
  mkdirSync(dataDir, { recursive: true });
  // The data folder is inside the repository, so the child resolves `tsx` from its node_modules.
  const start = () => startLocalModeProcess({ env, inMemory: false, cwd: dataDir });

  let local: LocalModeProcess = await start();
  const earlierOutput: string[] = [];
  const responses: RecordedResponse[] = [];
  const figures = emptyFigures();
  const secrets = new Set<string>([readCurrentSecret(dataDir), readPathSecret(dataDir)]);
  const publicTokens = new Set<string>();
  const sessionTokens = new Set<string>();
  let stopped = false;
  let scanned: (LeakScan & { records: StoredRecord[] }) | undefined;

  async function send(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    let payload: string | Uint8Array<ArrayBuffer> | undefined;
    if (typeof body === 'string') payload = body;
    else if (body instanceof Uint8Array) payload = new Uint8Array(body);
    else if (body !== undefined) payload = JSON.stringify(body);
    const contentType =
      options.contentType === undefined && body !== undefined ? 'application/json' : options.contentType;
    if (typeof contentType === 'string') headers['content-type'] = contentType;
    // fetch labels a string body text/plain: without a content type, send bytes.
    else if (typeof payload === 'string') payload = new TextEncoder().encode(payload);

    if (isApiPath(path.split('?')[0] ?? path)) figures.apiRequests += 1;
    else figures.sandboxRequests += 1;
    // Without JWT, the IAM routes require AWS IAM: the harness calls them as the local IAM principal.
    const signed =
      isIamPath(path) && headers.authorization === undefined
        ? await signRequest(`${local.apiUrl}${path}`, { method, headers, body: payload ?? '' })
        : headers;
    const response = await fetch(`${local.apiUrl}${path}`, {
      method,
      headers: signed,
      ...(payload === undefined ? {} : { body: payload }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    const recorded: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      recorded[key] = value;
    });
    responses.push({
      method,
      path: path.split('?')[0] ?? path,
      status: response.status,
      headers: recorded,
      body: text,
    });
    return answerOf(response.status, response.headers, text);
  }

  /** An answer, its JSON parsed when it is an object, and the publicToken it shows learned. */
  function answerOf(status: number, headers: Headers, text: string): Answer {
    let json: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
        json = parsed as Record<string, unknown>;
      }
    } catch {
      // Not JSON: callers read `text`.
    }
    if (typeof json.publicToken === 'string') publicTokens.add(json.publicToken);
    return { status, headers, text, json };
  }

  /** A GET of the gateway over `node:http`: the path as given, and a body if asked. */
  async function gateway(
    pathAndQuery: string,
    { headers = {}, body, signed = true, credentials }: GatewayRequestOptions = {},
  ): Promise<Answer> {
    figures.apiRequests += 1;
    const url = `${local.apiUrl}${pathAndQuery}`;
    const sent = signed
      ? await signRequest(
          url,
          { method: 'GET', headers, body: body ?? '' },
          credentials === undefined ? {} : { credentials },
        )
      : headers;
    const { status, answerHeaders, text } = await new Promise<{ status: number; answerHeaders: Headers; text: string }>(
      (done, fail) => {
        const outgoing = httpRequest(url, {
          method: 'GET',
          headers: { ...sent, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) },
          timeout: 30_000,
        });
        outgoing.on('response', (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('end', () => {
            const answerHeaders = new Headers();
            for (const [name, value] of Object.entries(incoming.headers)) {
              if (value !== undefined) answerHeaders.set(name, [value].flat().join(', '));
            }
            done({ status: incoming.statusCode ?? 0, answerHeaders, text: Buffer.concat(chunks).toString('utf8') });
          });
        });
        outgoing.on('timeout', () => outgoing.destroy(new Error(`GET ${pathAndQuery} timed out`)));
        outgoing.on('error', fail);
        outgoing.end(body);
      },
    );
    const recorded: Record<string, string> = {};
    answerHeaders.forEach((value, key) => {
      recorded[key] = value;
    });
    responses.push({
      method: 'GET',
      path: pathAndQuery.split('?')[0] ?? pathAndQuery,
      status,
      headers: recorded,
      body: text,
    });
    return answerOf(status, answerHeaders, text);
  }

  async function control(path: string, body: object, expected: number): Promise<Answer> {
    const answer = await send('POST', path, body);
    if (answer.status !== expected) throw new Error(`${path} answered ${answer.status}: ${answer.text}`);
    return answer;
  }

  const countFault = (target: FaultTarget, calls: number) => {
    figures.faults[target].injections += 1;
    figures.faults[target].calls += calls;
  };

  async function stop(): Promise<void> {
    if (stopped) return;
    stopped = true;
    await local.stop();
  }

  const harness: Harness = {
    name,
    dataDir,
    get apiUrl() {
      return local.apiUrl;
    },
    get logLines() {
      return [...earlierOutput, ...local.output];
    },
    responses,
    figures,
    post: (path, body, options) => send('POST', path, body, options),
    request: (method, path, body, options) => send(method, path, body, options),
    get: (path) => send('GET', path),
    gateway,
    async humanDataCalls() {
      const answer = await send('GET', '/sandbox/humanapi-data/stats');
      if (typeof answer.json.dataCalls !== 'number') throw new Error(`no data sandbox stats: ${answer.text}`);
      return answer.json.dataCalls;
    },
    async mintSession(clientUserId) {
      const answer = await control('/sandbox/humanapi/v1/connect/sessions', { clientUserId }, 201);
      const session = answer.json as unknown as SessionTokenObject;
      sessionTokens.add(session.sessionToken);
      return session;
    },
    finish(session, encoding = 'json') {
      if (encoding === 'json') return send('POST', '/sessions', session);
      // What jQuery's `$.post(url, sessionTokenObject)` sends.
      return send('POST', '/sessions', new URLSearchParams({ ...session }).toString(), {
        contentType: 'application/x-www-form-urlencoded; charset=UTF-8',
      });
    },
    async humanApiCalls() {
      const answer = await send('GET', '/sandbox/humanapi/stats');
      if (typeof answer.json.exchangeCalls !== 'number') throw new Error(`no Human API stats: ${answer.text}`);
      return answer.json.exchangeCalls;
    },
    async dynamoDbRequests() {
      const answer = await send('GET', '/sandbox/dynamodb/stats');
      return answer.json.requestCounts as Record<string, number>;
    },
    async storedRecord(clientUserId) {
      const answer = await send('GET', `/sandbox/dynamodb/record?clientUserId=${encodeURIComponent(clientUserId)}`);
      if (answer.status === 404) return undefined;
      if (answer.status !== 200) throw new Error(`reading a record failed: ${answer.status}`);
      return answer.json as unknown as StoredRecordView;
    },
    async checkRecord(clientUserId, expected) {
      const actual = await harness.storedRecord(clientUserId);
      const held =
        expected === undefined
          ? actual === undefined
          : actual !== undefined &&
            Object.entries(expected).every(([key, value]) => actual[key as keyof StoredRecordView] === value);
      figures.recordsChecked += 1;
      if (!held) figures.recordsLost += 1;
      return { held, actual };
    },
    async injectHumanApiFault(fault) {
      await control('/sandbox/humanapi/faults', fault, 201);
      countFault('humanApi', fault.count ?? 1);
    },
    async injectDynamoDbFault(fault) {
      await control('/sandbox/dynamodb/faults', fault, 201);
      countFault('dynamoDb', fault.count ?? 1);
    },
    async injectSecretsManagerFaults(count) {
      await control('/sandbox/secretsmanager/faults', { count }, 201);
      countFault('secretsManager', count);
    },
    async resetFaults() {
      await control('/sandbox/faults/reset', {}, 200);
      await control('/sandbox/humanapi/faults/reset', {}, 200);
    },
    async rotateSecret() {
      await control('/sandbox/humanapi/rotate-secret', {}, 200);
      secrets.add(readCurrentSecret(dataDir));
    },
    currentSecret() {
      const secret = readCurrentSecret(dataDir);
      secrets.add(secret);
      return secret;
    },
    pathSecret() {
      const secret = readPathSecret(dataDir);
      secrets.add(secret);
      return secret;
    },
    async restart() {
      await local.stop();
      earlierOutput.push(...local.output);
      local = await start();
      secrets.add(readCurrentSecret(dataDir));
    },
    stop,
    async closeAndScan() {
      if (scanned !== undefined) return scanned;
      await stop();
      const records = await readStoredRecords(dataDir);
      // The v1 access tokens and the current generation's minted ones.
      const accessTokens = new Set(
        records.flatMap((record) => [record.accessToken, record.mintedAccessToken]).filter((token) => token !== ''),
      );
      const logLines = harness.logLines;
      const findings = scanForLeaks({ logLines, responses, secrets, accessTokens, publicTokens, sessionTokens });
      scanned = {
        logLines: logLines.length,
        responses: responses.length,
        knownValues: {
          secrets: secrets.size,
          accessTokens: accessTokens.size,
          publicTokens: publicTokens.size,
          sessionTokens: sessionTokens.size,
        },
        findings,
        records,
      };
      writeHarnessPart(name, figures, scanned);
      return scanned;
    },
  };
  return harness;
}

/** Writes a harness's figures (and leak scan, when it ran) for the summary. */
export function writeHarnessPart(name: string, figures: HarnessFigures, scan: LeakScan | undefined): void {
  mkdirSync(RELIABILITY_PARTS_DIR, { recursive: true });
  const part = {
    name,
    ...figures,
    leakScan:
      scan === undefined
        ? null
        : {
            logLines: scan.logLines,
            responses: scan.responses,
            knownValues: scan.knownValues,
            findings: scan.findings,
          },
  };
  writeFileSync(resolve(RELIABILITY_PARTS_DIR, `${name}.json`), `${JSON.stringify(part, null, 2)}\n`);
}
