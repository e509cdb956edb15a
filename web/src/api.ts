/**
 * Calls to the token API (docs/api.md): `POST /sessions` with the
 * sessionTokenObject exactly as connect.js delivered it, and
 * `POST /public-tokens` to recover a lost publicToken (JWT mode); without
 * JWT that route needs AWS IAM, so the page asks its own app back end
 * (`web/app-server/`) instead.
 */
import type { PageConfig } from './config.js';
import type { SessionTokenObject } from './human-connect.js';

/**
 * How `finish` posts the sessionTokenObject: `json` as `fetch` and the mobile
 * SDKs do, `form` as Human API's web guide does with jQuery's `$.post(url, obj)`
 * (`application/x-www-form-urlencoded`).
 */
export type PostMode = 'json' | 'form';

/** The Content-Type jQuery's `$.post` sends (its `contentType` default). */
export const JQUERY_FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded; charset=UTF-8';

/** What both routes answer. */
export interface UserConnection {
  readonly humanId: string;
  readonly clientUserId: string;
  readonly publicToken: string;
}

/** One entry of a problem's `errors` (docs/api.md#errors): the field and what is wrong with it. */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

/** The API refused, failed, or its answer could not be read. */
export class ApiError extends Error {
  /**
   * @param status - the HTTP status; `0` when the browser got no readable answer (network down, or CORS)
   * @param title - a short, user-facing summary
   * @param detail - more about it, when known
   * @param fields - the problem's `errors`: which request fields were refused, and why
   */
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    options?: ErrorOptions,
    readonly fields: readonly FieldProblem[] = [],
  ) {
    super(detail === undefined ? title : `${title}: ${detail}`, options);
    this.name = 'ApiError';
  }
}

function appendParam(params: URLSearchParams, key: string, value: unknown): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      const scalar = typeof item !== 'object' || item === null;
      appendParam(params, scalar ? `${key}[]` : `${key}[${index}]`, item);
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [name, item] of Object.entries(value)) appendParam(params, `${key}[${name}]`, item);
  } else {
    params.append(key, value === undefined || value === null ? '' : String(value));
  }
}

/**
 * Encodes an object the way jQuery's `$.param` does for `$.post(url, obj)`:
 * one `key=value` per field in order, `null` as empty, arrays and nested
 * objects in bracket form, spaces as `+`. (A few characters such as `!` or
 * `(` are percent-encoded where jQuery leaves them: both decode alike.)
 */
export function toFormBody(object: Readonly<Record<string, unknown>>): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(object)) appendParam(params, key, value);
  return params;
}

function readConnection(body: unknown): UserConnection | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { humanId, clientUserId, publicToken } = body as Record<string, unknown>;
  if (typeof humanId !== 'string' || typeof clientUserId !== 'string' || typeof publicToken !== 'string') {
    return undefined;
  }
  return { humanId, clientUserId, publicToken };
}

/**
 * Whether trying the same request again may succeed: no readable answer, a 5xx, or a 409
 * (the same session still in flight; once it is done, a replay answers 200).
 */
export function isRetryable(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 0 || error.status === 409 || error.status >= 500);
}

async function postToApi(
  url: string,
  body: BodyInit,
  headers: Record<string, string>,
  credentials: RequestCredentials = 'omit',
): Promise<Response> {
  try {
    return await fetch(url, { method: 'POST', headers, body, credentials });
  } catch (cause) {
    // fetch gives no detail on purpose: a network failure and a CORS refusal look alike.
    throw new ApiError(
      0,
      "The API's answer could not be read",
      "The browser blocked the request or its answer: the API is unreachable, or it does not allow this page's origin (CORS).",
      { cause },
    );
  }
}

function fieldProblems(errors: unknown): FieldProblem[] {
  if (!Array.isArray(errors)) return [];
  return errors.flatMap((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) return [];
    const { path, message } = Object.fromEntries(Object.entries(entry));
    return typeof path === 'string' ? [{ path, message: typeof message === 'string' ? message : '' }] : [];
  });
}

/** Reads an answer's JSON body; a refusal becomes an {@link ApiError} with the problem's title, detail and fields. */
async function readOkBody(response: Response): Promise<unknown> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const problem = typeof body === 'object' && body !== null ? Object.fromEntries(Object.entries(body)) : {};
    const title = typeof problem.title === 'string' ? problem.title : `The API answered ${response.status}`;
    const detail = typeof problem.detail === 'string' ? problem.detail : undefined;
    throw new ApiError(response.status, title, detail, undefined, fieldProblems(problem.errors));
  }
  return body;
}

async function readAnswer(response: Response): Promise<UserConnection> {
  const body = await readOkBody(response);
  const connection = readConnection(body);
  if (connection === undefined) {
    throw new ApiError(
      response.status,
      'Unexpected answer from the API',
      'It lacks humanId, clientUserId or publicToken.',
    );
  }
  return connection;
}

function authorization(bearerToken: string | undefined): Record<string, string> {
  return bearerToken === undefined ? {} : { Authorization: `Bearer ${bearerToken}` };
}

/**
 * `POST /sessions`: hands the sessionTokenObject to the back end, as-is, and
 * resolves the user's new publicToken.
 *
 * @throws {ApiError} when the API refuses or its answer cannot be read
 */
export async function finishSession(
  config: PageConfig,
  sessionTokenObject: SessionTokenObject,
  { mode, bearerToken }: { mode: PostMode; bearerToken: string | undefined },
): Promise<UserConnection> {
  const url = `${config.apiUrl}/sessions`;
  const response =
    mode === 'form'
      ? await postToApi(url, toFormBody(sessionTokenObject).toString(), {
          'Content-Type': JQUERY_FORM_CONTENT_TYPE,
          ...authorization(bearerToken),
        })
      : await postToApi(url, JSON.stringify(sessionTokenObject), {
          'Content-Type': 'application/json',
          ...authorization(bearerToken),
        });
  return readAnswer(response);
}

/**
 * `POST /public-tokens`: recovers the signed-in user's publicToken (JWT mode).
 *
 * @returns the user's connection, or `undefined` when the API has no record (a new user: create mode)
 * @throws {ApiError} when the API refuses or its answer cannot be read
 */
export async function recoverPublicToken(
  config: PageConfig,
  clientUserId: string,
  bearerToken: string | undefined,
  refresh = false,
): Promise<UserConnection | undefined> {
  const body = JSON.stringify({ clientUserId, ...(refresh ? { refresh: true } : {}) });
  const response = await postToApi(`${config.apiUrl}/public-tokens`, body, {
    'Content-Type': 'application/json',
    ...authorization(bearerToken),
  });
  if (response.status === 404) return undefined;
  return readAnswer(response);
}

/**
 * `POST /app/sign-in` on the page's own server: the development sign-in of the example app
 * back end, which answers with an HttpOnly session cookie.
 *
 * @throws {ApiError} when the app back end refuses or cannot be reached
 */
export async function signInToApp(user: string): Promise<void> {
  const response = await postToApi(
    '/app/sign-in',
    JSON.stringify({ user }),
    { 'Content-Type': 'application/json' },
    'same-origin',
  );
  if (!response.ok)
    throw new ApiError(response.status, 'The sign-in failed', `The app's server answered ${response.status}.`);
}

/**
 * `POST /app/public-token` on the page's own server, which calls `POST /public-tokens` signed
 * for the signed-in user.
 *
 * @returns the user's connection, or `undefined` when the API has no record (a new user: create mode)
 * @throws {ApiError} when the app back end or the API refuses or fails
 */
export async function recoverFromApp(refresh = false): Promise<UserConnection | undefined> {
  const body = JSON.stringify(refresh ? { refresh: true } : {});
  const response = await postToApi('/app/public-token', body, { 'Content-Type': 'application/json' }, 'same-origin');
  if (response.status === 404) return undefined;
  return readAnswer(response);
}

/** What `POST /connect-tokens` answers: the token a current-generation Connect opens with. */
export interface ConnectToken {
  readonly token: string;
  /** `create`: a session token for a new user; `edit`: an id_token for a user who connected. */
  readonly mode: 'create' | 'edit';
  /** Seconds until the token expires. */
  readonly expiresIn: number;
  readonly humanId: string;
}

function readConnectToken(body: unknown): ConnectToken | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { token, mode, expiresIn, humanId } = Object.fromEntries(Object.entries(body));
  if (typeof token !== 'string' || token === '' || typeof humanId !== 'string') return undefined;
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn)) return undefined;
  if (mode !== 'create' && mode !== 'edit') return undefined;
  return { token, mode, expiresIn, humanId };
}

/**
 * A token for a current-generation Connect, for the signed-in user: `POST /connect-tokens`
 * with the bearer token in JWT mode, else `POST /app/connect-token` on the page's own server
 * (without JWT the route requires AWS IAM, which only a server can sign for).
 *
 * @param email - the user's e-mail address, which Human API needs to create a new user
 * @throws {ApiError} when the API or the app back end refuses or fails; a 400 whose `fields`
 *   name `email` means a new user must give one
 */
export async function requestConnectToken(
  config: PageConfig,
  { email, bearerToken }: { email: string | undefined; bearerToken: string | undefined },
): Promise<ConnectToken> {
  const body = JSON.stringify(email === undefined ? {} : { email });
  const headers = { 'Content-Type': 'application/json', ...authorization(bearerToken) };
  let response: Response;
  if (config.jwtMode) response = await postToApi(`${config.apiUrl}/connect-tokens`, body, headers);
  else if (config.appBackend) response = await postToApi('/app/connect-token', body, headers, 'same-origin');
  else {
    throw new ApiError(
      0,
      'No way to ask for a Connect token',
      'Without JWT, POST /connect-tokens requires AWS IAM: serve the page with its app back end (appBackend: true).',
    );
  }
  const answer = readConnectToken(await readOkBody(response));
  if (answer === undefined) {
    throw new ApiError(
      response.status,
      'Unexpected answer from the API',
      'It lacks token, mode, expiresIn or humanId.',
    );
  }
  return answer;
}
