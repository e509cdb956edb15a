/**
 * POSTs to local mode signed with SigV4 by the local IAM credentials (docs/local-mode.md#identity),
 * as a back end calling an IAM-authorized route would.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { type Answer, post } from './http.js';

/** The local IAM credentials local mode accepts by default. */
export const LOCAL_IAM_CREDENTIALS = {
  accessKeyId: 'AKIALOCALDEVELOPMENT',
  secretAccessKey: 'local-development-secret',
} as const;

const signer = new SignatureV4({
  service: 'execute-api',
  region: 'us-east-1',
  credentials: LOCAL_IAM_CREDENTIALS,
  sha256: Sha256,
});

/** POSTs `body` as JSON to `url`, signed for `execute-api` in us-east-1. */
export async function signedPost(url: string, body: unknown): Promise<Answer> {
  const target = new URL(url);
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const signed = await signer.sign({
    method: 'POST',
    protocol: target.protocol,
    hostname: target.hostname,
    ...(target.port === '' ? {} : { port: Number(target.port) }),
    path: target.pathname,
    headers: { host: target.host, 'content-type': 'application/json' },
    body: text,
  });
  const { host: _host, ...headers } = signed.headers;
  return post(url, text, { headers });
}
