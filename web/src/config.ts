/**
 * The page's settings, read at start from `/config.json` next to the page.
 * Local mode serves that file; in production a team ships its own (see
 * `web/config.example.json`).
 */

/** What the page needs to know about its back end and Human API. */
export interface PageConfig {
  /** Base URL of the token API (`POST /sessions`, `POST /public-tokens`), without a trailing slash. */
  readonly apiUrl: string;
  /** The Human API app's clientId. */
  readonly clientId: string;
  /** Where connect.js comes from: `https://connect.humanapi.co/connect.js`, or the sandbox's locally. */
  readonly connectJsUrl: string;
  /** The API sits behind a JWT authorizer: send `Authorization: Bearer`. */
  readonly jwtMode: boolean;
  /** Local mode's development issuer (`POST {devIssuerUrl}/token {sub}`); absent in production. */
  readonly devIssuerUrl: string | undefined;
  /**
   * The page's own server is the app back end (`web/app-server/`): sign in there, and recover
   * the publicToken through it (without JWT, `POST /public-tokens` requires AWS IAM).
   */
  readonly appBackend: boolean;
  /**
   * Which Human Connect the page opens (docs/design.md#connect-flows): `v1`, connect.js with a
   * publicToken; `current`, `humanapi-connect-client` with a token the back end mints
   * (`POST /connect-tokens`). @default 'v1'
   */
  readonly connectGeneration: ConnectGeneration;
  /**
   * Where the browser build of `humanapi-connect-client` comes from (your own bundle of the
   * package; `<apiUrl>/sandbox/connect-client.js` locally). Required when `connectGeneration`
   * is `current`.
   */
  readonly connectClientUrl: string | undefined;
  /**
   * Where the page polls for notices of new data for the signed-in user (docs/local-mode.md#notifications):
   * your app back end's consumer of the notifications queue (`<page origin>/app/notifications` locally;
   * in JWT mode local mode's `<apiUrl>/sandbox/notifications/inbox`). Without it the page shows no
   * "New data" badge.
   */
  readonly newDataUrl: string | undefined;
}

/** The values of `connectGeneration`. */
export const CONNECT_GENERATIONS = ['v1', 'current'] as const;
/** Which Human Connect the page opens. */
export type ConnectGeneration = (typeof CONNECT_GENERATIONS)[number];

function readGeneration(value: unknown): ConnectGeneration {
  if (value === undefined || value === null) return 'v1';
  const generation = CONNECT_GENERATIONS.find((candidate) => candidate === value);
  if (generation === undefined) throw new PageConfigError('config.json: "connectGeneration" must be "v1" or "current"');
  return generation;
}

/** `/config.json` is missing, unreadable or lacks a field. */
export class PageConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PageConfigError';
  }
}

function requireUrl(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw new PageConfigError(`config.json: "${field}" is required`);
  try {
    return new URL(value).href.replace(/\/$/, '');
  } catch (cause) {
    throw new PageConfigError(`config.json: "${field}" is not a URL`, { cause });
  }
}

/**
 * Checks a parsed `/config.json`.
 *
 * @throws {PageConfigError} naming the first missing or malformed field
 */
export function parsePageConfig(value: unknown): PageConfig {
  if (typeof value !== 'object' || value === null) throw new PageConfigError('config.json must hold an object');
  const raw = value as Record<string, unknown>;
  if (typeof raw.clientId !== 'string' || raw.clientId === '') {
    throw new PageConfigError('config.json: "clientId" is required');
  }
  const connectGeneration = readGeneration(raw.connectGeneration);
  const connectClientUrl =
    connectGeneration === 'current' || (raw.connectClientUrl !== undefined && raw.connectClientUrl !== null)
      ? requireUrl(raw.connectClientUrl, 'connectClientUrl')
      : undefined;
  return {
    connectGeneration,
    connectClientUrl,
    apiUrl: requireUrl(raw.apiUrl, 'apiUrl'),
    clientId: raw.clientId,
    connectJsUrl: requireUrl(raw.connectJsUrl, 'connectJsUrl'),
    jwtMode: raw.jwtMode === true,
    appBackend: raw.appBackend === true && raw.jwtMode !== true,
    devIssuerUrl:
      raw.devIssuerUrl === undefined || raw.devIssuerUrl === null
        ? undefined
        : requireUrl(raw.devIssuerUrl, 'devIssuerUrl'),
    newDataUrl:
      raw.newDataUrl === undefined || raw.newDataUrl === null ? undefined : requireUrl(raw.newDataUrl, 'newDataUrl'),
  };
}

/**
 * Loads the page's settings.
 *
 * @throws {PageConfigError} when the file cannot be read or is not valid
 */
export async function loadPageConfig(url = '/config.json'): Promise<PageConfig> {
  let response: Response;
  try {
    response = await fetch(url, { cache: 'no-store' });
  } catch (cause) {
    throw new PageConfigError(`${url} could not be loaded`, { cause });
  }
  if (!response.ok) throw new PageConfigError(`${url} answered ${response.status}`);
  let body: unknown;
  try {
    body = await response.json();
  } catch (cause) {
    throw new PageConfigError(`${url} is not JSON`, { cause });
  }
  return parsePageConfig(body);
}
