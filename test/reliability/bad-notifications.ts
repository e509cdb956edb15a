/**
 * fast-check arbitraries of bad requests for `POST /notifications/{secret}`. Each starts from a
 * notification that WOULD be queued (this deployment's path secret, a signed JSON array of one
 * notification) and breaks it in one way: the URL's secret, the signature, the body, its size or
 * its content type. Each carries the status docs/api.md gives it: 413 past 32 KiB (checked
 * first), 415 for a content type other than JSON or form-urlencoded, 400 for a body that does not
 * parse or validate, 401 for a wrong secret or signature. The request is signed when it is sent
 * (the signature needs the client secret and the time): the arbitrary says how.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';

/** How a generated request is signed when sent. */
export type SigningDefect =
  | 'valid'
  | 'unsigned'
  | 'wrong digest'
  | 'signature of another body'
  | 'no timestamp'
  | 'no nonce'
  | 'stale timestamp'
  | 'future timestamp'
  | 'unreadable signature';

/** One generated bad notification. */
export interface BadNotification {
  readonly defect: string;
  /** `right`: this deployment's path secret; otherwise a mutation of it. */
  readonly pathSecret: 'right' | { readonly mutate: (secret: string) => string };
  readonly signing: SigningDefect;
  readonly contentType: string | null;
  readonly body: string;
  readonly expectedStatus: 400 | 401 | 413 | 415;
}

const MAX_BODY_BYTES = 32 * 1024;
const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });

/** A notification that would be queued: Human API's documented fields, a humanId of the sandbox's shape. */
const validEntry = fc.record({
  humanId: hex(24),
  type: fc.constantFrom('sources', 'activities/summaries', 'sleeps/summaries', 'heart_rate/readings'),
  action: fc.constantFrom('updated', 'connected'),
  updatedAt: fc
    .integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-01-01T00:00:00Z') })
    .map((at) => new Date(at).toISOString()),
});
const validBody = fc.array(validEntry, { minLength: 1, maxLength: 3 }).map((entries) => JSON.stringify(entries));
const JSON_TYPES = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'Application/JSON');
const UNSUPPORTED_TYPES = fc.constantFrom<string | null>(
  null,
  'text/plain',
  'text/json',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/jsonx',
);

function request(
  defect: string,
  body: fc.Arbitrary<string>,
  expectedStatus: BadNotification['expectedStatus'],
  options: Partial<Pick<BadNotification, 'pathSecret' | 'signing'>> & {
    contentType?: fc.Arbitrary<string | null>;
  } = {},
): fc.Arbitrary<BadNotification> {
  return fc.tuple(body, options.contentType ?? JSON_TYPES).map(([text, contentType]) => ({
    defect,
    pathSecret: options.pathSecret ?? 'right',
    signing: options.signing ?? 'valid',
    contentType,
    body: text,
    expectedStatus,
  }));
}

/** Mutations of the path secret: each is not this deployment's. */
const WRONG_SECRETS = fc.oneof(
  fc.nat().map((index) => ({
    mutate: (secret: string) => {
      const at = index % secret.length;
      const changed = secret[at] === 'a' ? 'b' : 'a';
      return `${secret.slice(0, at)}${changed}${secret.slice(at + 1)}`;
    },
  })),
  fc.integer({ min: 1, max: 47 }).map((length) => ({ mutate: (secret: string) => secret.slice(0, length) })),
  hex(1).map((extra) => ({ mutate: (secret: string) => `${secret}${extra}` })),
  fc.constant({ mutate: (secret: string) => secret.toUpperCase() }),
  hex(48).map((other) => ({ mutate: () => other })),
  fc.constantFrom('x', '%20', 'secret', '__proto__').map((other) => ({ mutate: () => other })),
);

/** The bad notifications, about evenly spread over the kinds of defect. */
export function badNotificationRequests(): fc.Arbitrary<BadNotification> {
  const signingDefects = fc.constantFrom<SigningDefect>(
    'wrong digest',
    'signature of another body',
    'no timestamp',
    'no nonce',
    'stale timestamp',
    'future timestamp',
    'unreadable signature',
  );
  return fc.oneof(
    WRONG_SECRETS.chain((pathSecret) => request('a wrong path secret', validBody, 401, { pathSecret })),
    signingDefects.chain((signing) => request(`signature: ${signing}`, validBody, 401, { signing })),
    request(
      'broken JSON',
      validBody.chain((body) =>
        fc.oneof(
          fc.nat({ max: body.length - 2 }).map((end) => body.slice(0, end + 1)),
          fc.constant(body.replaceAll('"', "'")),
          fc.constant(`${body}${body}`),
          fc.constant(`${body.slice(0, -1)},]`),
        ),
      ),
      400,
    ),
    request(
      'not a notification',
      fc.constantFrom('null', '0', '"text"', 'true', '[]', '[null]', '[1]', '["humanId"]', '{}', '[{}]', '[[]]'),
      400,
    ),
    request(
      'a humanId of the wrong type or form',
      fc
        .tuple(
          validEntry,
          fc.oneof(
            fc.constant<unknown>(undefined),
            fc.integer(),
            fc.constant(null),
            fc.constant(''),
            fc.constant('with space'),
            fc.constant('h\u0000'),
            fc.constant('é'.repeat(3)),
            fc.constant('h'.repeat(129)),
            fc.constant({ id: 'h' }),
          ),
        )
        .map(([entry, humanId]) => JSON.stringify([{ ...entry, humanId }])),
      400,
    ),
    request(
      'more than 100 notifications',
      validEntry.map((entry) => JSON.stringify(Array.from({ length: 101 }, () => entry))),
      400,
    ),
    request(
      'over 32 KiB',
      fc
        .tuple(validEntry, fc.integer({ min: MAX_BODY_BYTES + 1, max: 2 * MAX_BODY_BYTES }), fc.constantFrom('a', '€'))
        .map(([entry, bytes, unit]) => {
          const padding = unit.repeat(Math.ceil(bytes / Buffer.byteLength(unit)));
          return JSON.stringify([{ ...entry, padding }]);
        }),
      413,
      { contentType: fc.oneof(JSON_TYPES, UNSUPPORTED_TYPES) },
    ),
    request('an unsupported content type', validBody, 415, { contentType: UNSUPPORTED_TYPES }),
  );
}

/** The headers a request is sent with: its content type and its signature, as its `signing` says. */
export function signedHeaders(
  { signing, body, contentType }: Pick<BadNotification, 'signing' | 'body' | 'contentType'>,
  clientSecret: string,
  now = new Date(),
): Record<string, string> {
  const seconds = Math.floor(now.getTime() / 1000);
  const timestamp = String(
    signing === 'stale timestamp' ? seconds - 301 : signing === 'future timestamp' ? seconds + 3600 : seconds,
  );
  const nonce = `fuzz-${seconds}`;
  const signed = signing === 'signature of another body' ? `${body} ` : body;
  const digest = createHmac('sha1', clientSecret).update(`${signed}${timestamp}${nonce}`).digest('hex');
  const signature: Record<string, string> =
    signing === 'unsigned'
      ? {}
      : {
          'x-humanapi-signature':
            signing === 'wrong digest'
              ? '0'.repeat(40)
              : signing === 'unreadable signature'
                ? `sha1=${digest}`
                : digest,
          ...(signing === 'no timestamp' ? {} : { 'x-humanapi-timestamp': timestamp }),
          ...(signing === 'no nonce' ? {} : { 'x-humanapi-nonce': nonce }),
        };
  return { ...(contentType === null ? {} : { 'content-type': contentType }), ...signature };
}
