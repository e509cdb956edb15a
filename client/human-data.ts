/**
 * The service client's side of the data gateway (docs/api.md#get-usersclientuseridhumanpath): the
 * request checked with the gateway's own rules before it is sent, the answer typed for the
 * endpoints local mode's sandbox serves, and the pages of a list followed by the gateway's `next`
 * links, boundedly.
 */
import { clientUserIdSchema } from '../functions/contract/fields.js';
import { checkHumanDataRequest, type HumanDataTarget } from '../functions/contract/human-data.js';
import type { HumanDataAnswers } from '../functions/contract/human-data-records.js';

/** A list's query parameters (`limit`, `offset`, `updated_since`, …), as an object or as they are. */
export type HumanDataQuery = Readonly<Record<string, string | number>> | URLSearchParams;

/** What an endpoint answers: typed for the sandbox's endpoints, `unknown` for the others. */
export type HumanDataOf<P extends string> = P extends keyof HumanDataAnswers ? HumanDataAnswers[P] : unknown;

/** A record, or a page of a list. */
export interface HumanDataPage<P extends string> {
  /** Human API's JSON, parsed. */
  readonly data: HumanDataOf<P>;
  /** How many records the whole list holds (`X-Total-Count`), when Human API said. */
  readonly totalCount: number | undefined;
  /** The query of the next page (the gateway's `next` link), or `undefined` on the last. */
  readonly nextQuery: URLSearchParams | undefined;
}

/** One call of the gateway. */
export type HumanDataCall = <P extends string>(
  clientUserId: string,
  path: P,
  query?: HumanDataQuery,
) => Promise<HumanDataPage<P>>;

/** A request the gateway would accept: its path and query on the gateway, and what it asks for. */
export interface HumanDataRequest {
  /** `/users/{clientUserId}/human/{path}`, encoded. */
  readonly gatewayPath: string;
  /** The checked query, encoded (`''` without one). */
  readonly query: string;
  readonly target: HumanDataTarget;
}

/** Most pages {@link pagesOf} reads when not told. */
export const DEFAULT_MAX_PAGES = 100;

/**
 * Checks a call as the gateway will (`me` names a signed-in user, which a service signing with
 * IAM is not).
 *
 * @returns the request, or the names of the parameters the gateway would refuse (`path.path`, `query.limit`)
 */
export function humanDataRequest(
  clientUserId: string,
  path: string,
  query?: HumanDataQuery,
): HumanDataRequest | string[] {
  const parameters =
    query instanceof URLSearchParams
      ? query
      : new URLSearchParams(Object.entries(query ?? {}).map(([name, value]) => [name, String(value)]));
  const target = checkHumanDataRequest(path, parameters);
  const userValid = clientUserId !== 'me' && clientUserIdSchema.safeParse(clientUserId).success;
  const refused = [
    ...(userValid ? [] : ['path.clientUserId']),
    ...(Array.isArray(target) ? target.map((issue) => issue.path) : []),
  ];
  if (refused.length > 0 || Array.isArray(target)) return [...new Set(refused)];
  return {
    gatewayPath: `/users/${encodeURIComponent(clientUserId)}/human/${target.path}`,
    query: target.query.toString(),
    target,
  };
}

/** The gateway's answer as a page, or `undefined` when its shape is not the endpoint's (a list must be an array). */
export function humanDataPage<P extends string>(
  json: unknown,
  headers: Headers,
  { gatewayPath, target }: HumanDataRequest,
): HumanDataPage<P> | undefined {
  const isList = Array.isArray(json);
  if ((target.endpoint.kind === 'list') !== isList || typeof json !== 'object' || json === null) return undefined;
  const total = headers.get('x-total-count');
  return {
    // The shape of each record is Human API's; it is not checked field by field.
    data: json as HumanDataOf<P>,
    totalCount: total !== null && /^\d{1,15}$/.test(total) ? Number(total) : undefined,
    nextQuery: nextQueryOf(headers.get('link'), gatewayPath),
  };
}

/** The query of the `next` link, when it names this same gateway path (a link elsewhere is not followed). */
function nextQueryOf(link: string | null, gatewayPath: string): URLSearchParams | undefined {
  for (const [, reference = ''] of (link ?? '').matchAll(/<([^>]*)>\s*;\s*rel="?next"?/gi)) {
    if (!URL.canParse(reference, 'https://gateway.invalid/')) continue;
    const url = new URL(reference, 'https://gateway.invalid/');
    if (url.pathname.endsWith(gatewayPath)) return url.searchParams;
  }
  return undefined;
}

/**
 * The pages of a list: the first at `query`, then each `next` the gateway links to, until there is
 * none or `maxPages` were read. A `next` that repeats a page already read ends it too.
 */
export async function* pagesOf<P extends string>(
  call: HumanDataCall,
  clientUserId: string,
  path: P,
  query?: HumanDataQuery,
  { maxPages = DEFAULT_MAX_PAGES }: { readonly maxPages?: number } = {},
): AsyncGenerator<HumanDataPage<P>, void, undefined> {
  const seen = new Set<string>();
  let next: HumanDataQuery | undefined = query;
  for (let read = 0; read < maxPages && next !== undefined; read += 1) {
    const page: HumanDataPage<P> = await call(clientUserId, path, next);
    yield page;
    const key = page.nextQuery?.toString();
    if (key === undefined || seen.has(key)) return;
    seen.add(key);
    next = page.nextQuery;
  }
}
