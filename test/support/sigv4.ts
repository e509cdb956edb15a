/**
 * Signs requests the way an IAM caller of API Gateway does (SigV4, service
 * `execute-api`), with local mode's IAM credentials unless told otherwise
 * (docs/local-mode.md).
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  type IamCredentials,
  LOCAL_IAM_ACCESS_KEY_ID,
  LOCAL_IAM_SECRET_ACCESS_KEY,
} from '../../local/iam-authorizer.js';
import type { Answer } from './http.js';

/** Local mode's default IAM principal. */
export const LOCAL_IAM_CREDENTIALS: IamCredentials = {
  accessKeyId: LOCAL_IAM_ACCESS_KEY_ID,
  secretAccessKey: LOCAL_IAM_SECRET_ACCESS_KEY,
};

/** Options of {@link signRequest}. */
export interface SignOptions {
  readonly credentials?: IamCredentials;
  readonly region?: string;
  /** The signing date. @default now */
  readonly signingDate?: Date;
}

/**
 * The headers that sign a request: the given ones plus `host`, `x-amz-date`,
 * `x-amz-content-sha256` and `authorization`.
 */
export async function signRequest(
  url: string,
  {
    method = 'POST',
    headers = {},
    body = '',
  }: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array },
  { credentials = LOCAL_IAM_CREDENTIALS, region = 'us-east-1', signingDate = new Date() }: SignOptions = {},
): Promise<Record<string, string>> {
  const target = new URL(url);
  const signer = new SignatureV4({ credentials, region, service: 'execute-api', sha256: Sha256 });
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(target.searchParams.keys())) {
    const values = target.searchParams.getAll(key);
    query[key] = values.length === 1 ? (values[0] ?? '') : values;
  }
  const signed = await signer.sign(
    {
      method,
      protocol: target.protocol,
      hostname: target.hostname,
      ...(target.port === '' ? {} : { port: Number(target.port) }),
      path: target.pathname,
      query,
      headers: { ...headers, host: target.host },
      body,
    },
    { signingDate },
  );
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) result[name] = String(value);
  // fetch sets Host itself (to the same value): it may not be set by hand.
  delete result.host;
  return result;
}

/** Sends a request without a body (`DELETE`, `GET`) signed with SigV4. */
export async function signedRequest(method: string, url: string, options: SignOptions = {}): Promise<Answer> {
  const headers = await signRequest(url, { method }, options);
  const response = await fetch(url, { method, headers, signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) json = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: callers read `text`.
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** POSTs (or sends with `method`) a JSON body, or a string as it is, signed with SigV4. */
export async function signedPost(
  url: string,
  body: unknown,
  {
    contentType = 'application/json',
    method = 'POST',
    ...options
  }: SignOptions & { contentType?: string; method?: string } = {},
): Promise<Answer> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const headers = await signRequest(url, { method, headers: { 'content-type': contentType }, body: text }, options);
  const response = await fetch(url, { method, headers, body: text, signal: AbortSignal.timeout(30_000) });
  const answerText = await response.text();
  let json: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(answerText);
    if (typeof parsed === 'object' && parsed !== null) json = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: callers read `text`.
  }
  return { status: response.status, headers: response.headers, text: answerText, json };
}
