/**
 * Local emulation of API Gateway's AWS IAM authorization (docs/design.md#security-model,
 * docs/local-mode.md): without JWT, `/public-tokens` and `/connect-tokens` require a
 * SigV4 signature (service `execute-api`) by the local credentials.
 *
 * The signature is checked by re-signing the received request with
 * `@smithy/signature-v4` (the signer the AWS SDKs use), over exactly the headers the
 * caller signed and at the date it signed, and comparing both signatures in constant
 * time. Nothing of the algorithm is written here by hand.
 *
 * Every way a request can be wrong is a refusal (a 403 with a reason), never a thrown error: a
 * malformed Authorization header is the caller's mistake, not the server's.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

/** Access key ID of local mode's IAM principal unless `LOCAL_IAM_ACCESS_KEY_ID` says otherwise. */
export const LOCAL_IAM_ACCESS_KEY_ID = 'AKIALOCALDEVELOPMENT';
/** Secret access key of local mode's IAM principal unless `LOCAL_IAM_SECRET_ACCESS_KEY` says otherwise. */
export const LOCAL_IAM_SECRET_ACCESS_KEY = 'local-development-secret';
/** The service name API Gateway signs for. */
export const IAM_SERVICE = 'execute-api';
/** How far a signature's date may be from now, either way (API Gateway allows 5 minutes). */
export const IAM_MAX_SKEW_MS = 5 * 60 * 1000;

/** An allowed principal's credentials. */
export interface IamCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** What the authorizer reads of a request. */
export interface SignedRequest {
  readonly method: string;
  /** Path and query as received (`request.url`). */
  readonly url: string;
  /** Header names in lower case, as `node:http` gives them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Uint8Array;
}

/**
 * The ARN local mode reports as the signer of an allowed request (API Gateway's
 * `requestContext.authorizer.iam.userArn`): local mode knows one principal, the app back end.
 */
export const LOCAL_IAM_PRINCIPAL_ARN = 'arn:aws:iam::000000000000:user/local-app-backend';

/** The verdict: allowed, or refused with a reason for the 403's detail (never a secret). */
export type IamVerdict =
  | { readonly allowed: true; readonly accessKeyId: string; readonly principalArn: string }
  | { readonly allowed: false; readonly reason: string };

/**
 * The most header names a SignedHeaders list may hold. The SDKs and curl sign a handful; a
 * longer list is refused with its own reason rather than looked up name by name.
 */
export const MAX_SIGNED_HEADERS = 64;

/** Settings of {@link createIamAuthorizer}. */
export interface IamAuthorizerOptions {
  readonly credentials: IamCredentials;
  /** Region the signature must be scoped to (`AWS_REGION` or `us-east-1`). */
  readonly region: string;
  /** The clock. @default () => new Date() */
  readonly now?: () => Date;
}

/** Checks a request's SigV4 signature. */
export type IamAuthorizer = (request: SignedRequest) => Promise<IamVerdict>;

// SignedHeaders is taken as any run without a comma or space, so that a malformed list gets
// its own reason from signedHeadersFault instead of "not signed".
const AUTHORIZATION =
  /^AWS4-HMAC-SHA256\s+Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;
/** A header name (an RFC 9110 token) in lower case, as SigV4 lists it. */
const SIGNED_HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

function refuse(reason: string): IamVerdict {
  return { allowed: false, reason };
}

/**
 * What is wrong with a SignedHeaders list, if anything: SigV4 lists each signed header once, in
 * lower case, sorted, separated by single semicolons. The signer re-sorts and de-duplicates
 * whatever it is given, so such a list would otherwise pass here; AWS documents no leniency for
 * it, so local mode refuses it with the rule it breaks rather than accept what a deployment may not.
 */
function signedHeadersFault(names: readonly string[]): string | undefined {
  if (names.length > MAX_SIGNED_HEADERS) return `The SignedHeaders list names more than ${MAX_SIGNED_HEADERS} headers.`;
  if (names.includes('')) return 'The SignedHeaders list has an empty header name.';
  if (!names.every((name) => SIGNED_HEADER_NAME.test(name))) {
    return 'The SignedHeaders list must name headers in lower case, as SigV4 lists them.';
  }
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) return `The SignedHeaders list names ${name} more than once.`;
    seen.add(name);
  }
  if (names.some((name, index) => index > 0 && (names[index - 1] ?? '') > name)) {
    return 'The SignedHeaders list is not sorted: SigV4 lists the header names in ascending order.';
  }
  return undefined;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

function parseAmzDate(value: string | undefined): Date | undefined {
  const match = AMZ_DATE.exec(value ?? '');
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number);
  const date = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function queryOf(search: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(search.keys())) {
    const values = search.getAll(key);
    query[key] = values.length === 1 ? (values[0] ?? '') : values;
  }
  return query;
}

function sameHex(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Creates an authorizer that accepts only requests signed by `credentials` for `execute-api` in `region`. */
export function createIamAuthorizer({
  credentials,
  region,
  now = () => new Date(),
}: IamAuthorizerOptions): IamAuthorizer {
  const signer = new SignatureV4({
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    region,
    service: IAM_SERVICE,
    sha256: Sha256,
    // The payload hash is checked below against the body itself, and never added.
    applyChecksum: false,
  });

  const check = async (request: SignedRequest): Promise<IamVerdict> => {
    const match = AUTHORIZATION.exec(headerValue(request.headers.authorization)?.trim() ?? '');
    if (match === null) return refuse('The request is not signed with AWS Signature Version 4.');
    const [, accessKeyId = '', shortDate, scopeRegion, scopeService, signedHeaderList = '', signature = ''] = match;
    if (!sameHex(accessKeyId, credentials.accessKeyId)) return refuse('The access key is not an allowed principal.');
    if (scopeRegion !== region || scopeService !== IAM_SERVICE) {
      return refuse(`The signature is not scoped to ${region}/${IAM_SERVICE}.`);
    }
    const amzDate = headerValue(request.headers['x-amz-date']);
    const signingDate = parseAmzDate(amzDate);
    if (signingDate === undefined || amzDate?.slice(0, 8) !== shortDate) {
      return refuse('The signature needs an X-Amz-Date header matching its credential scope.');
    }
    if (Math.abs(now().getTime() - signingDate.getTime()) > IAM_MAX_SKEW_MS) {
      return refuse('The signature has expired or is not yet valid (more than 5 minutes from now).');
    }
    const signedHeaders = signedHeaderList.split(';');
    const listFault = signedHeadersFault(signedHeaders);
    if (listFault !== undefined) return refuse(listFault);
    if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) {
      return refuse('The signature must cover the Host and X-Amz-Date headers.');
    }
    // Without a prototype, a header named `__proto__` is a header like any other.
    const headers: Record<string, string> = Object.create(null);
    for (const name of signedHeaders) {
      // Own properties only: `constructor` or `__proto__` would otherwise read Object.prototype's.
      const value = Object.hasOwn(request.headers, name) ? headerValue(request.headers[name]) : undefined;
      if (value === undefined) return refuse(`The signed header ${name} is missing.`);
      headers[name] = value;
    }
    // The signer trusts a stated payload hash: make sure it is the body's.
    const statedHash = headers['x-amz-content-sha256'];
    if (statedHash !== undefined && statedHash !== createHash('sha256').update(request.body).digest('hex')) {
      return refuse('X-Amz-Content-Sha256 does not match the body.');
    }

    const url = new URL(request.url, 'http://127.0.0.1');
    const resigned = await signer.sign(
      {
        method: request.method,
        protocol: 'http:',
        hostname: url.hostname,
        path: url.pathname,
        query: queryOf(url.searchParams),
        headers,
        body: request.body,
      },
      { signingDate, signableHeaders: new Set(signedHeaders) },
    );
    const expected = /Signature=([0-9a-f]{64})$/.exec(String(resigned.headers.authorization ?? ''))?.[1] ?? '';
    if (!sameHex(expected, signature)) return refuse('The signature does not match the request.');
    return { allowed: true, accessKeyId, principalArn: LOCAL_IAM_PRINCIPAL_ARN };
  };

  return async (request) => {
    try {
      return await check(request);
    } catch {
      // A request the URL parser or the signer cannot take (a target that is not a URL, …) is
      // not signed correctly either: refused, as API Gateway refuses what it cannot verify.
      return refuse('The signature could not be checked against this request.');
    }
  };
}
