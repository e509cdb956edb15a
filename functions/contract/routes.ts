/**
 * The API's routes (docs/api.md), defined once: the stack builds its HTTP API from this table,
 * local mode routes and authorizes with it, the OpenAPI document and the service client are
 * written from it, and the tests walk it.
 */

/**
 * Who may call a route when the stack has no JWT authorizer (with one, every route but `none`
 * takes a bearer JWT): `open` to anyone, `iam` to principals allowed `execute-api:Invoke`
 * (SigV4), `none`: never behind an authorizer, the route proves its caller itself.
 */
export type RouteCaller = 'open' | 'iam' | 'none';

/** One route. */
export interface Route {
  /** The function that serves it, also the OpenAPI `operationId`. */
  readonly functionName: string;
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** API Gateway's route path: `{name}` is one segment, `{name+}` the rest of the path. */
  readonly path: string;
  readonly caller: RouteCaller;
  /** One line for the OpenAPI document and the banner. */
  readonly summary: string;
  /** A path parameter that is a secret: never logged (local mode's request lines redact it). */
  readonly secretPathParameter?: string;
}

/** The routes, in the order docs/api.md lists them. */
export const ROUTES = [
  {
    functionName: 'finishSession',
    method: 'POST',
    path: '/sessions',
    caller: 'open',
    summary: 'Finish a v1 Human Connect session',
  },
  {
    functionName: 'recoverPublicToken',
    method: 'POST',
    path: '/public-tokens',
    caller: 'iam',
    summary: 'Recover (or refresh) a returning user\u2019s publicToken',
  },
  {
    functionName: 'connectTokens',
    method: 'POST',
    path: '/connect-tokens',
    caller: 'iam',
    summary: 'Start a current-generation Connect session: a session token (create) or an id token (edit)',
  },
  {
    functionName: 'humanData',
    method: 'GET',
    path: '/users/{clientUserId}/human/{path+}',
    caller: 'iam',
    summary: 'Read a user\u2019s health data from Human API through the vault (the data gateway)',
  },
  {
    functionName: 'deleteUser',
    method: 'DELETE',
    path: '/users/{clientUserId}',
    caller: 'iam',
    summary: 'Delete a user\u2019s tokens from the vault, leaving a tombstone no late grant passes',
  },
  {
    functionName: 'receiveNotification',
    method: 'POST',
    path: '/notifications/{secret}',
    caller: 'none',
    summary: 'Receive Human API\u2019s notifications and hand them to the notifications queue',
    secretPathParameter: 'secret',
  },
] as const satisfies readonly Route[];

/** The name of a function that serves a route. */
export type RouteFunctionName = (typeof ROUTES)[number]['functionName'];

/** `METHOD /path`, as API Gateway names a route (its route key, and the dashboard's label). */
export const routeKeyOf = (route: Pick<Route, 'method' | 'path'>): string => `${route.method} ${route.path}`;

/**
 * Matches a request path against a route path: the path parameters when it matches (decoded
 * once, as API Gateway does), `undefined` otherwise.
 */
export function matchRoutePath(routePath: string, requestPath: string): Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = routePath.replace(/\{(\w+)(\+?)\}/g, (_, name: string, greedy: string) => {
    names.push(name);
    return greedy === '+' ? '(.+)' : '([^/]+)';
  });
  const match = new RegExp(`^${pattern}$`).exec(requestPath);
  if (match === null) return undefined;
  const parameters: Record<string, string> = {};
  for (const [index, name] of names.entries()) {
    const raw = match[index + 1] ?? '';
    try {
      parameters[name] = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
  }
  return parameters;
}
