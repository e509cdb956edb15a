/**
 * fast-check arbitraries of bad requests for the two API routes. Each one
 * starts from a body that WOULD reach Human API (this app's clientId, a known
 * user with `refresh: true`) and breaks it in one way, so a request that got
 * through validation would show up in the sandbox's call counter. Each
 * carries the status the contract (docs/api.md) gives it: 413 when the body is
 * over 16 KiB (checked first), 415 for a content type other than JSON or
 * form-urlencoded, 400 for everything that does not parse or validate.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';

/** One generated bad request. */
export interface BadRequest {
  /** The kind of defect, for the figures. */
  readonly defect: string;
  /** `Content-Type`, or `null` for none at all. */
  readonly contentType: string | null;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array;
  /** The status docs/api.md gives this request. */
  readonly expectedStatus: 400 | 413 | 415;
}

type Entry = readonly [key: string, value: unknown];

/** What a field may hold: a Human API ID/token (printable ASCII) or the app's own user ID (any text). */
type FieldKind = 'token' | 'text';

interface FieldSpec {
  readonly name: string;
  readonly kind: FieldKind;
  readonly valid: fc.Arbitrary<string>;
}

const MAX_BODY_BYTES = 16 * 1024;

const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });

const JSON_CONTENT_TYPES = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json;charset=UTF-8',
  'Application/JSON',
  'application/vnd.api+json',
);
const FORM_CONTENT_TYPES = fc.constantFrom(
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=UTF-8',
  'APPLICATION/X-WWW-FORM-URLENCODED',
);
const UNSUPPORTED_CONTENT_TYPES = fc.constantFrom<string | null>(
  null,
  'text/plain',
  'text/plain;charset=UTF-8',
  'text/html',
  'text/json',
  'application/xml',
  'text/xml',
  'multipart/form-data; boundary=----x',
  'application/octet-stream',
  'application/javascript',
  'application/jsonx',
  'application/json5',
  'application/x-ndjson',
  'application/json charset=utf-8',
  'application/json, text/plain',
  'application/x-www-form-urlencodedx',
  'json',
  'image/png',
);

/** Characters a token field must not hold: controls, space, DEL, C1, non-ASCII, separators, lone surrogates. */
const NOT_TOKEN_CHARACTERS = fc.oneof(
  fc.integer({ min: 0, max: 0x20 }).map((code) => String.fromCharCode(code)),
  fc.constantFrom('\x7f', '\x85', '\x9f', '\u00a0', 'é', '€', '😀', '\u2028', '\u200b', '\ufeff', '\ud800', '\udfff'),
);
/** Characters a text field must not hold: C0 and C1 controls, lone surrogates (not well-formed Unicode). */
const NOT_TEXT_CHARACTERS = fc.oneof(
  fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code)),
  fc.integer({ min: 0x7f, max: 0x9f }).map((code) => String.fromCharCode(code)),
  fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff'),
);

const WRONG_TYPE_VALUES: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(hex(8), { maxLength: 3 }),
  fc.record({ value: hex(8) }),
  fc.constant({}),
);

const toJson = (entries: readonly Entry[]) =>
  `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`).join(',')}}`;

const toForm = (entries: readonly (readonly [string, string])[]) =>
  entries.map(([key, value]) => `${encodeURIComponent(key)}=${value}`).join('&');

const insertAt = (text: string, index: number, insert: string) =>
  text.slice(0, index % (text.length + 1)) + insert + text.slice(index % (text.length + 1));

function jsonParses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A field value that breaks the field's rule: empty, too long, or holding a forbidden character. */
function badValue(field: FieldSpec): fc.Arbitrary<string> {
  const maxLength = field.kind === 'token' ? 512 : 256;
  return fc.oneof(
    fc.constant(''),
    fc.integer({ min: maxLength + 1, max: maxLength * 3 }).map((length) => 'a'.repeat(length)),
    fc
      .tuple(field.valid, fc.nat(), field.kind === 'token' ? NOT_TOKEN_CHARACTERS : NOT_TEXT_CHARACTERS)
      .map(([value, index, character]) => insertAt(value, index, character)),
  );
}

/** A way to break a JSON text so it no longer parses. */
const breakJson = (text: string) =>
  fc
    .oneof(
      fc.nat({ max: Math.max(0, text.length - 1) }).map((end) => text.slice(0, end)),
      fc
        .tuple(fc.nat(), fc.constantFrom('{', '}', '[', ']', ',', ':', '"', "'", '\\', 'x', '\u0000', '\n}'))
        .map(([index, junk]) => insertAt(text, index, junk)),
      fc.constant(text.replaceAll('"', "'")),
      fc.constant(`${text.slice(0, -1)},}`),
      fc.constant(text.replace(/"(\w+)":/, '$1:')),
      fc.constant(`${text}${text}`),
      fc.constant(`/* comment */${text}`),
      fc.constant(text.replace(/:"[^"]*"/, ':NaN')),
      fc.constant(text.replace(/:"[^"]*"/, ':undefined')),
      fc.constant(`\ufeff${text}`),
    )
    .filter((broken) => !jsonParses(broken));

/** What a route needs to generate its bad requests. */
interface RouteSpec {
  /** Valid bodies that would reach Human API, as ordered entries. */
  readonly valid: fc.Arbitrary<readonly Entry[]>;
  /** The fields a valid body holds, whose removal or corruption must be refused. */
  readonly fields: readonly FieldSpec[];
  /** Route-specific defects (JSON bodies). */
  readonly specific: fc.Arbitrary<{ defect: string; entries: readonly Entry[] }>;
  /** Form bodies that must be refused (a form body cannot carry a boolean, and so on). */
  readonly badForms: fc.Arbitrary<{ defect: string; body: string }>;
  /** A valid form body (for the oversize and content-type defects). */
  readonly validForm: fc.Arbitrary<string>;
}

function badRequests(route: RouteSpec): fc.Arbitrary<BadRequest> {
  const present = (entries: readonly Entry[]) =>
    route.fields.filter((field) => entries.some(([key]) => key === field.name));
  const replaceField = (entries: readonly Entry[], name: string, value: unknown): Entry[] =>
    entries.map(([key, old]) => [key, key === name ? value : old] as const);
  const pickField = (entries: readonly Entry[]) => fc.constantFrom(...present(entries));
  const json = (defect: string, entries: fc.Arbitrary<readonly Entry[] | string>): fc.Arbitrary<BadRequest> =>
    fc.tuple(entries, JSON_CONTENT_TYPES).map(([body, contentType]) => ({
      defect,
      contentType,
      body: typeof body === 'string' ? body : toJson(body),
      expectedStatus: 400,
    }));

  const brokenJson = json(
    'broken JSON',
    route.valid.chain((entries) => breakJson(toJson(entries))),
  );

  const notAnObject = json(
    'JSON that is not an object',
    fc.oneof(
      fc.constantFrom('', '   ', 'null', 'true', '0', '"text"', '[]', '[{}]'),
      fc
        .jsonValue()
        .filter((value) => typeof value !== 'object' || value === null || Array.isArray(value))
        .map((value) => JSON.stringify(value) ?? 'null'),
      route.valid.map((entries) => JSON.stringify(toJson(entries))),
      route.valid.map((entries) => `[${toJson(entries)}]`),
    ),
  );

  const wrongType = json(
    'a field of the wrong type',
    route.valid.chain((entries) =>
      fc.tuple(pickField(entries), WRONG_TYPE_VALUES).map(([field, value]) => replaceField(entries, field.name, value)),
    ),
  );

  const missingFields = json(
    'required fields missing',
    route.valid.chain((entries) =>
      fc
        .subarray(present(entries), { minLength: 1 })
        .map((missing) => entries.filter(([key]) => !missing.some((field) => field.name === key))),
    ),
  );

  const badString = json(
    'an empty, oversize or control-character string',
    route.valid.chain((entries) =>
      pickField(entries).chain((field) => badValue(field).map((value) => replaceField(entries, field.name, value))),
    ),
  );

  const prototypeKeys = json(
    'prototype keys',
    route.valid.chain((entries) =>
      fc
        .tuple(
          fc.nat({ max: entries.length }),
          fc.oneof(
            fc.constant<Entry>(['__proto__', { isAdmin: true }]),
            fc.constant<Entry>(['__proto__', null]),
            fc.constant<Entry>(['constructor', { prototype: { isAdmin: true } }]),
            fc.constant<Entry>(['__proto__', Object.fromEntries(entries)]),
          ),
          fc.boolean(),
        )
        .map(([index, key, hideFields]) =>
          // Either beside the valid fields, or as the only carrier of them (prototype pollution).
          hideFields ? [key] : [...entries.slice(0, index), key, ...entries.slice(index)],
        ),
    ),
  );

  const duplicateKeys = json(
    'duplicated fields, the last one bad',
    route.valid.chain((entries) =>
      pickField(entries).chain((field) =>
        fc
          .oneof(badValue(field), WRONG_TYPE_VALUES)
          .map((value): readonly Entry[] => [...entries, [field.name, value]]),
      ),
    ),
  );

  const specific = fc.tuple(route.specific, JSON_CONTENT_TYPES).map(
    ([{ defect, entries }, contentType]): BadRequest => ({
      defect,
      contentType,
      body: toJson(entries),
      expectedStatus: 400,
    }),
  );

  const anyValidBody = fc.oneof(
    fc.tuple(route.valid.map(toJson), JSON_CONTENT_TYPES),
    fc.tuple(route.validForm, FORM_CONTENT_TYPES),
  );

  const oversize = fc
    .tuple(
      anyValidBody,
      fc.integer({ min: MAX_BODY_BYTES + 1, max: 3 * MAX_BODY_BYTES }),
      fc.constantFrom('a', '€'),
      fc.oneof(fc.constant(undefined), UNSUPPORTED_CONTENT_TYPES),
    )
    .map(([[body, validType], bytes, unit, otherType]): BadRequest => {
      // Pad with multi-byte characters too: the limit is in bytes, not characters.
      const padding = unit.repeat(Math.ceil((bytes - Buffer.byteLength(body)) / Buffer.byteLength(unit)));
      const padded = body.startsWith('{')
        ? `${body.slice(0, -1)},"padding":"${padding}"}`
        : `${body}&padding=${padding}`;
      return {
        defect: 'over 16 KiB',
        contentType: otherType === undefined ? validType : otherType,
        body: padded,
        expectedStatus: 413,
      };
    });

  const unsupportedType = fc.tuple(anyValidBody, UNSUPPORTED_CONTENT_TYPES).map(
    ([[body], contentType]): BadRequest => ({
      defect: 'unsupported content type',
      contentType,
      body,
      expectedStatus: 415,
    }),
  );

  const badEncoding = fc.oneof(
    fc
      .tuple(
        route.valid.map(toJson),
        fc.nat(),
        fc.constantFrom([0xff], [0xc3], [0xe2, 0x82], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]),
        JSON_CONTENT_TYPES,
      )
      .map(([text, index, bytes, contentType]): BadRequest => {
        const encoded = Buffer.from(text);
        // Inside the first string value, so the body is JSON but not UTF-8.
        const at = text.indexOf(':"') + 2 + (index % 4);
        return {
          defect: 'invalid UTF-8',
          contentType,
          body: new Uint8Array(Buffer.concat([encoded.subarray(0, at), Buffer.from(bytes), encoded.subarray(at)])),
          expectedStatus: 400,
        };
      }),
    fc
      .tuple(route.valid.map(toJson), fc.constantFrom('utf-16le', 'utf-16be'), fc.boolean())
      .map(([text, encoding, bom]): BadRequest => {
        const little = Buffer.from(`${bom ? '\ufeff' : ''}${text}`, 'utf16le');
        const bytes = encoding === 'utf-16le' ? little : Buffer.from(little).swap16();
        return {
          defect: 'UTF-16 body',
          contentType: `application/json; charset=${encoding}`,
          body: new Uint8Array(bytes),
          expectedStatus: 400,
        };
      }),
    route.valid.map(
      (entries): BadRequest => ({
        defect: 'gzip-encoded body',
        contentType: 'application/json',
        headers: { 'content-encoding': 'gzip' },
        body: new Uint8Array(gzipSync(toJson(entries))),
        expectedStatus: 400,
      }),
    ),
  );

  const badForm = fc.tuple(route.badForms, FORM_CONTENT_TYPES).map(
    ([{ defect, body }, contentType]): BadRequest => ({
      defect: `form: ${defect}`,
      contentType,
      body,
      expectedStatus: 400,
    }),
  );

  return fc.oneof(
    brokenJson,
    notAnObject,
    wrongType,
    missingFields,
    badString,
    prototypeKeys,
    duplicateKeys,
    specific,
    oversize,
    unsupportedType,
    { arbitrary: badEncoding, weight: 2 },
    // jQuery's $.post sends forms: as many of them as of JSON bodies.
    { arbitrary: badForm, weight: 6 },
  );
}

/** Form bodies breaking a set of token fields: missing, duplicated, bracketed or prototype keys, bad values. */
function badTokenForms(
  fields: readonly FieldSpec[],
  valid: fc.Arbitrary<readonly (readonly [string, string])[]>,
): fc.Arbitrary<{ defect: string; body: string }> {
  const encodedBadValue = (field: FieldSpec) =>
    fc.oneof(
      fc.constant(''),
      fc.integer({ min: 0, max: 0x1f }).map((code) => `%${code.toString(16).padStart(2, '0').toUpperCase()}`),
      fc.constantFrom('%7F', '%C2%85', '%C2%9F'),
      ...(field.kind === 'token'
        ? [fc.constantFrom('+', '%20', '%C3%A9', '%E2%82%AC', '%C3', '%FF', '%E0%A4', '%ED%A0%80')]
        : []),
      fc.constant('a'.repeat(field.kind === 'token' ? 513 : 257)),
    );
  const pick = (entries: readonly (readonly [string, string])[]) =>
    fc.constantFrom(...fields.filter((field) => entries.some(([key]) => key === field.name)));
  return fc.oneof(
    valid.chain((entries) =>
      pick(entries).map((field) => ({
        defect: 'missing field',
        body: toForm(entries.filter(([key]) => key !== field.name)),
      })),
    ),
    valid.chain((entries) =>
      pick(entries).map((field) => ({
        defect: 'duplicated field',
        body: toForm([...entries, ...entries.filter(([key]) => key === field.name)]),
      })),
    ),
    valid.chain((entries) =>
      fc.tuple(pick(entries), fc.constantFrom('[]', '[0]', '.x', '[__proto__]')).map(([field, suffix]) => ({
        defect: 'bracketed key',
        body: toForm(entries.map(([key, value]) => [key === field.name ? `${key}${suffix}` : key, value] as const)),
      })),
    ),
    valid.chain((entries) =>
      fc
        .tuple(pick(entries), fc.constantFrom('__proto__', '__proto__[%s]', 'constructor[prototype][%s]'))
        .map(([field, template]) => ({
          defect: 'prototype key',
          body: toForm(
            entries.map(([key, value]) => [key === field.name ? template.replace('%s', key) : key, value] as const),
          ),
        })),
    ),
    valid.chain((entries) =>
      pick(entries).chain((field) =>
        encodedBadValue(field).map((value) => ({
          defect: 'bad value',
          body: entries.map(([key, old]) => `${encodeURIComponent(key)}=${key === field.name ? value : old}`).join('&'),
        })),
      ),
    ),
    valid.map((entries) => ({ defect: 'JSON sent as a form', body: JSON.stringify(Object.fromEntries(entries)) })),
  );
}

/**
 * Bad requests for `POST /sessions`: each breaks a sessionTokenObject of this
 * app (`clientId`) that would otherwise be exchanged with Human API.
 */
export function badSessionRequests(clientId: string): fc.Arbitrary<BadRequest> {
  const fields: FieldSpec[] = [
    { name: 'humanId', kind: 'token', valid: hex(24) },
    { name: 'clientId', kind: 'token', valid: fc.constant(clientId) },
    { name: 'sessionToken', kind: 'token', valid: hex(32) },
  ];
  const validObject = fc.record({ humanId: hex(24), sessionToken: hex(32), userId: fc.option(hex(24)) });
  const valid = validObject.map(({ humanId, sessionToken, userId }): readonly Entry[] => [
    ['humanId', humanId],
    ['clientId', clientId],
    ['sessionToken', sessionToken],
    ...(userId === null ? [] : [['userId', userId] as const]),
  ]);
  const validFormEntries = valid.map((entries) => entries.map(([key, value]) => [key, String(value)] as const));
  return badRequests({
    valid,
    fields,
    specific: valid.map((entries) => ({
      defect: 'all fields nested one level down',
      entries: [['sessionTokenObject', Object.fromEntries(entries)]],
    })),
    badForms: badTokenForms(fields, validFormEntries),
    validForm: validFormEntries.map(toForm),
  });
}

/**
 * Bad requests for `POST /public-tokens`: each breaks a `refresh: true`
 * request for a stored user (by clientUserId or humanId) that would
 * otherwise ask Human API for a fresh publicToken.
 */
export function badPublicTokenRequests(user: { clientUserId: string; humanId: string }): fc.Arbitrary<BadRequest> {
  const fields: FieldSpec[] = [
    { name: 'clientUserId', kind: 'text', valid: fc.constant(user.clientUserId) },
    { name: 'humanId', kind: 'token', valid: fc.constant(user.humanId) },
  ];
  const valid = fc.constantFrom<readonly Entry[]>(
    [
      ['clientUserId', user.clientUserId],
      ['refresh', true],
    ],
    [
      ['humanId', user.humanId],
      ['refresh', true],
    ],
    [
      ['refresh', true],
      ['clientUserId', user.clientUserId],
    ],
  );
  const refreshNotBoolean = fc.constantFrom<unknown>('true', 'false', 1, 0, null, 'yes', [], {}, [true]);
  const specific = fc.oneof(
    fc.constant({
      defect: 'both clientUserId and humanId',
      entries: [
        ['clientUserId', user.clientUserId],
        ['humanId', user.humanId],
        ['refresh', true],
      ] as const,
    }),
    fc
      .constantFrom<readonly Entry[]>([], [['refresh', true]], [['refresh', false]], [['userId', user.clientUserId]])
      .map((entries) => ({ defect: 'neither clientUserId nor humanId', entries })),
    fc.tuple(fc.constantFrom('clientUserId', 'humanId'), refreshNotBoolean).map(([key, refresh]) => ({
      defect: 'refresh not a boolean',
      entries: [
        [key, key === 'clientUserId' ? user.clientUserId : user.humanId],
        ['refresh', refresh],
      ] as const,
    })),
  );
  const validFormEntries = fc.constantFrom<readonly (readonly [string, string])[]>(
    [['clientUserId', encodeURIComponent(user.clientUserId)]],
    [['humanId', user.humanId]],
  );
  // A form body cannot carry a boolean: with `refresh` it is always refused.
  const badForms = fc.oneof(
    badTokenForms(fields, validFormEntries),
    fc
      .tuple(validFormEntries, fc.constantFrom('true', 'false', '1', ''))
      .map(([entries, refresh]) => ({ defect: 'refresh as text', body: `${toForm(entries)}&refresh=${refresh}` })),
    fc.constant({
      defect: 'both clientUserId and humanId',
      body: `clientUserId=${encodeURIComponent(user.clientUserId)}&humanId=${user.humanId}`,
    }),
  );
  return badRequests({
    valid,
    fields,
    specific,
    badForms,
    validForm: validFormEntries.map(toForm),
  });
}

/**
 * Bad requests for `POST /connect-tokens` from a trusted (IAM-signed) back end: each breaks a
 * request for a user who already connected (`{ clientUserId, email? }`, which Human API would
 * answer with an id_token). A missing or broken clientUserId, a broken email, an unknown field:
 * all refused before DynamoDB is read.
 */
export function badConnectTokenRequests(user: { clientUserId: string; email: string }): fc.Arbitrary<BadRequest> {
  // The email is optional: only clientUserId's removal must be refused.
  const fields: FieldSpec[] = [{ name: 'clientUserId', kind: 'text', valid: fc.constant(user.clientUserId) }];
  const valid = fc.constantFrom<readonly Entry[]>(
    [['clientUserId', user.clientUserId]],
    [
      ['clientUserId', user.clientUserId],
      ['email', user.email],
    ],
    [
      ['email', user.email],
      ['clientUserId', user.clientUserId],
    ],
  );
  const notAnEmail = fc.oneof(
    fc.constantFrom('', 'not-an-email', 'a@', '@example.com', 'a b@example.com', 'a@@example.com', 'a@example'),
    fc.constant(`${'a'.repeat(250)}@example.com`),
    fc
      .tuple(fc.nat({ max: user.email.length }), NOT_TEXT_CHARACTERS)
      .map(([index, character]) => insertAt(user.email, index, character)),
  );
  const specific = fc.oneof(
    notAnEmail.map((email) => ({
      defect: 'email not an address',
      entries: [
        ['clientUserId', user.clientUserId],
        ['email', email],
      ] as const,
    })),
    WRONG_TYPE_VALUES.map((email) => ({
      defect: 'email of the wrong type',
      entries: [
        ['clientUserId', user.clientUserId],
        ['email', email],
      ] as const,
    })),
    fc.constant({ defect: 'email without clientUserId (IAM caller)', entries: [['email', user.email]] as const }),
    fc
      .constantFrom<Entry>(
        ['refresh', true],
        ['humanId', 'a'.repeat(24)],
        ['sessionToken', 'b'.repeat(32)],
        ['type', 'access'],
      )
      .map((extra) => ({ defect: 'an unknown field', entries: [['clientUserId', user.clientUserId], extra] as const })),
  );
  const validFormEntries = fc.constantFrom<readonly (readonly [string, string])[]>(
    [['clientUserId', encodeURIComponent(user.clientUserId)]],
    [
      ['clientUserId', encodeURIComponent(user.clientUserId)],
      ['email', encodeURIComponent(user.email)],
    ],
  );
  const badForms = fc.oneof(
    badTokenForms(fields, validFormEntries),
    // A lone surrogate has no percent-encoding: forms carry the rest.
    notAnEmail
      .filter((email) => email.isWellFormed())
      .map((email) => ({
        defect: 'email not an address',
        body: `clientUserId=${encodeURIComponent(user.clientUserId)}&email=${encodeURIComponent(email)}`,
      })),
    fc.constant({ defect: 'email without clientUserId (IAM caller)', body: `email=${encodeURIComponent(user.email)}` }),
  );
  return badRequests({ valid, fields, specific, badForms, validForm: validFormEntries.map(toForm) });
}

// ---- The data gateway: GET /users/{clientUserId}/human/{path+} -------------------------------

/** One generated bad request of the data gateway: a path and query, how it is signed, what it must get. */
export interface BadGatewayRequest {
  readonly defect: string;
  /** Path and query, as sent. */
  readonly pathAndQuery: string;
  /**
   * How it is signed: `valid` by the local principal; `none`; with `wrong credentials`; or
   * `another request`'s signature (signed for the control request, sent as this one).
   */
  readonly signature: 'valid' | 'none' | 'wrong credentials' | 'unknown key' | 'another request' | 'bearer';
  /** A body, which a GET must not have. */
  readonly body?: string;
  /** 400 problem+json (naming `parameter`), 403 API Gateway's own refusal, 404 no such route. */
  readonly expectedStatus: 400 | 403 | 404;
  /**
   * The problem a 400 is (`invalid-parameter` naming `path.path`, `query.limit`, …, or
   * `unexpected-body`), or API Gateway's own `{ message }` otherwise.
   */
  readonly expected:
    | { readonly slug: 'invalid-parameter'; readonly parameter: string }
    | { readonly slug: 'unexpected-body' }
    | { readonly message: 'Forbidden' | 'Not Found' };
}

const word = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'), minLength: 1, maxLength: 12 });

/**
 * Bad requests of the data gateway, each one defect away from the control request
 * (`GET /users/<user>/human/activities/summaries?limit=10`, which reaches Human API): in the path,
 * the user, the query or the identity, or a body. Dot segments are left out: URL parsing
 * (the client's and local mode's) resolves them before any route is matched, into a request
 * without the defect.
 */
export function badGatewayRequests(clientUserId: string): fc.Arbitrary<BadGatewayRequest> {
  const user = encodeURIComponent(clientUserId);
  const at = (path: string, query = 'limit=10', userPart = user) =>
    `/users/${userPart}/human/${path}${query === '' ? '' : `?${query}`}`;
  const refused = (defect: string, pathAndQuery: string, parameter: string): BadGatewayRequest => ({
    defect,
    pathAndQuery,
    signature: 'valid',
    expectedStatus: 400,
    expected: { slug: 'invalid-parameter', parameter },
  });
  const badPath = fc.oneof(
    word.map((name) => refused('an endpoint Human API does not document', at(`x-${name}`), 'path.path')),
    fc
      .constantFrom(
        'Profile',
        'ACTIVITIES/summaries',
        'v1/human/profile',
        'human/profile',
        'apps/users/activities',
        'medical/profile',
      )
      .map((path) => refused('an endpoint Human API does not document', at(path, ''), 'path.path')),
    fc
      .constantFrom('activities/summaries/2026-01-01/x', 'a/b/c/d/e', 'activities/summaries/1/2/3')
      .map((path) => refused('too many segments', at(path), 'path.path')),
    fc
      .constantFrom('activities//summaries', 'activities/summaries/', '/activities/summaries')
      .map((path) => refused('an empty segment', at(path), 'path.path')),
    fc
      .constantFrom('activities%2Fsummaries', 'activities%2fsummaries', 'heart_rate%2Freadings')
      .map((path) => refused('an encoded slash', at(path), 'path.path')),
    fc
      .constantFrom(
        '%61ctivities/summaries',
        'activities/summarie%73',
        'pro%20file',
        'profile%00',
        'profil%C3%A9',
        'profile%3Bx',
        'profile%3F',
        '%2E%2Ehidden',
      )
      .map((path) => refused('an encoded character', at(path, ''), 'path.path')),
    fc
      .constantFrom(
        'profile.json',
        'activities/summaries.csv',
        'api.humanapi.co/v1/human/profile',
        'sources~1',
        'sources!',
        "sources'",
        'sources(1)',
        'sources*',
        'sources$',
        'sources@x',
      )
      .map((path) => refused('a character no segment holds', at(path, ''), 'path.path')),
    fc
      .nat({ max: 40 })
      .map((extra) => refused('a segment too long', at(`activities/${'a'.repeat(65 + extra)}`, ''), 'path.path')),
  );
  const badUser = fc.oneof(
    fc.constant(refused('"me" from an IAM caller', at('activities/summaries', 'limit=10', 'me'), 'path.clientUserId')),
    fc
      .nat({ max: 100 })
      .map((extra) =>
        refused('a clientUserId too long', at('profile', '', 'u'.repeat(257 + extra)), 'path.clientUserId'),
      ),
    fc
      .constantFrom('%00', '%07', '%1F', '%7F', '%C2%85', '%0A', '%0D')
      .map((control) =>
        refused('a control character in the clientUserId', at('profile', '', `a${control}b`), 'path.clientUserId'),
      ),
    fc.constantFrom('%zz', '%E0%A4%A', '%', '%ED%A0%80').map(
      (encoding): BadGatewayRequest => ({
        defect: 'a malformed percent-encoding in the clientUserId',
        pathAndQuery: at('profile', '', `a${encoding}`),
        signature: 'valid',
        expectedStatus: 404,
        expected: { message: 'Not Found' },
      }),
    ),
    fc.constant<BadGatewayRequest>({
      defect: 'no clientUserId',
      pathAndQuery: '/users//human/profile',
      signature: 'valid',
      expectedStatus: 404,
      expected: { message: 'Not Found' },
    }),
  );
  const list = (query: string) => at('activities/summaries', query);
  const badQuery = fc.oneof(
    fc
      .constantFrom(
        'access_token',
        'callback',
        'fields',
        'sort',
        'page',
        'LIMIT',
        '__proto__',
        'constructor',
        'toString',
      )
      .map((name) => refused('a parameter Human API does not document', list(`limit=10&${name}=1`), `query.${name}`)),
    fc
      .constantFrom('0', '501', '-1', 'abc', '', '1.5', '1e2', '0x10', '99999999999', '%2010', '10%00')
      .map((value) => refused('a limit out of range', list(`limit=${value}`), 'query.limit')),
    fc
      .constantFrom('-1', 'x', '1000000001', '')
      .map((value) => refused('an offset out of range', list(`offset=${value}`), 'query.offset')),
    fc
      .constantFrom('limit=1&limit=2', 'source=a&source=a', 'offset=0&offset=10')
      .map((query) => refused('a parameter given twice', list(query), `query.${query.split('=')[0]}`)),
    fc
      .tuple(
        fc.constantFrom('created_since', 'created_before', 'updated_since', 'updated_before'),
        fc.constantFrom(
          'yesterday',
          '2026-13-01',
          '20260230T000000Z',
          '1706688000',
          '2026-01-01T25:00:00Z',
          '2026-01-01T10:00:00%2B15:00',
        ),
      )
      .map(([name, value]) => refused('a time that is not one', list(`${name}=${value}`), `query.${name}`)),
    fc
      .constantFrom<[string, string]>(
        ['start_date=2026-01-01', 'query.end_date'],
        ['end_date=2026-01-31', 'query.start_date'],
        ['start_date=2026-02-01&end_date=2026-01-31', 'query.end_date'],
        ['start_date=2026-02-30&end_date=2026-03-31', 'query.start_date'],
      )
      .map(([query, parameter]) => refused('a date range that is not one', list(query), parameter)),
    fc
      .constantFrom('', '..%2Fx', 'a%20b', `${'s'.repeat(65)}`, '-leading', 'a%2Fb')
      .map((value) => refused('a source that is not a name', list(`source=${value}`), 'query.source')),
    fc.constant(
      refused('too many parameters', list(Array.from({ length: 17 }, (_, index) => `p${index}=1`).join('&')), 'query'),
    ),
    fc
      .nat({ max: 200 })
      .map((extra) => refused('a query too long', list(`source=${'a'.repeat(2050 + extra)}`), 'query')),
    fc
      .constantFrom('limit=10', 'source=fitbit', 'start_date=2026-01-01&end_date=2026-01-02')
      .map((query) => refused('list parameters on a record', at('profile', query), `query.${query.split('=')[0]}`)),
  );
  const forbidden = (defect: string, signature: BadGatewayRequest['signature']): BadGatewayRequest => ({
    defect,
    pathAndQuery: at('activities/summaries'),
    signature,
    expectedStatus: 403,
    expected: { message: 'Forbidden' },
  });
  const badIdentity = fc.constantFrom(
    forbidden('no signature', 'none'),
    forbidden('a signature by the wrong secret', 'wrong credentials'),
    forbidden('a signature by an unknown key', 'unknown key'),
    forbidden('a bearer token instead of a signature', 'bearer'),
    {
      ...forbidden('a signature of another request', 'another request'),
      pathAndQuery: at('activities/summaries', 'limit=11'),
    },
  );
  const withBody = fc.constantFrom('{}', '{"clientUserId":"x"}', 'limit=500', 'x'.repeat(100)).map(
    (body): BadGatewayRequest => ({
      defect: 'a body on a GET',
      pathAndQuery: at('activities/summaries'),
      signature: 'valid',
      body,
      expectedStatus: 400,
      expected: { slug: 'unexpected-body' },
    }),
  );
  return fc.oneof(badPath, badUser, badQuery, badIdentity, withBody);
}

/** One generated bad request to a route that takes no body: its path and query carry the defect. */
export interface BadPathRequest extends BadRequest {
  /** The path with its query, percent-encoded. */
  readonly path: string;
}

/**
 * Bad requests for `DELETE /users/{clientUserId}` from a trusted (IAM-signed) back end: each would
 * delete `clientUserId` but for one defect in its id, its query or a body it must not have. All are
 * 400, before DynamoDB is read: nothing is deleted.
 */
export function badDeleteUserRequests(clientUserId: string): fc.Arbitrary<BadPathRequest> {
  const userPath = `/users/${encodeURIComponent(clientUserId)}`;
  const request = (defect: string, path: string, body = '', contentType: string | null = null): BadPathRequest => ({
    defect,
    path,
    contentType,
    body,
    expectedStatus: 400,
  });
  // Forbidden characters that have a percent-encoding (a lone surrogate has none: the URL cannot carry it).
  const controls = fc.oneof(
    fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code)),
    fc.integer({ min: 0x7f, max: 0x9f }).map((code) => String.fromCharCode(code)),
  );
  const ids = fc.oneof(
    fc.tuple(fc.nat(), controls).map(([index, character]) => ({
      defect: 'an id with a control character',
      id: insertAt(clientUserId, index, character),
    })),
    fc
      .integer({ min: 257, max: 700 })
      .map((length) => ({ defect: 'an id over 256 characters', id: 'u'.repeat(length) })),
    fc.constant({ defect: '"me" from an IAM caller', id: 'me' }),
  );
  const queries = fc
    .tuple(
      fc.oneof(
        fc.constantFrom('atHumanApi', 'force', 'humanId', 'clientUserId'),
        fc.string({ minLength: 1, maxLength: 20 }),
      ),
      fc.oneof(fc.constantFrom('true', '1', ''), fc.string({ maxLength: 20 })),
    )
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  const bodies = fc.oneof(
    fc.constant(`{"clientUserId":${JSON.stringify(clientUserId)}}`),
    fc.constantFrom('{}', '[]', 'null', 'x', '\u0000'),
    fc.string({ minLength: 1, maxLength: 200 }),
    fc.integer({ min: 1, max: 20 * 1024 }).map((length) => 'b'.repeat(length)),
  );
  const contentTypes = fc.oneof(JSON_CONTENT_TYPES, FORM_CONTENT_TYPES, UNSUPPORTED_CONTENT_TYPES);
  return fc.oneof(
    ids.map(({ defect, id }) => request(defect, `/users/${encodeURIComponent(id)}`)),
    queries.map((query) => request('a query parameter', `${userPath}?${query}`)),
    fc.tuple(bodies, contentTypes).map(([body, contentType]) => request('a body', userPath, body, contentType)),
    fc
      .tuple(ids, bodies, contentTypes)
      .map(([{ id }, body, contentType]) =>
        request('a bad id and a body', `/users/${encodeURIComponent(id)}`, body, contentType),
      ),
    fc
      .tuple(queries, bodies)
      .map(([query, body]) => request('a query and a body', `${userPath}?${query}`, body, 'application/json')),
  );
}
