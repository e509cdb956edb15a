/**
 * `GET /users/{clientUserId}/human/{path+}`, the data gateway's HTTP side
 * (docs/api.md#get-usersclientuseridhumanpath): the request is checked before any work (400
 * naming `path.clientUserId`, `path.path` or `query.<name>`; 403 for a signed-in user naming
 * another), Human API's page is answered as it came with its paging headers (links rewritten to
 * this API's own path, never Human API's host), and every call leaves one audit line and its
 * metrics, without a token or a byte of health data.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { errorFields, logger, metrics } from '../commons/observability.js';
import {
  HUMAN_DATA_BYTES_METRIC,
  HUMAN_DATA_CALLS_METRIC,
  HUMAN_DATA_UPSTREAM_FAILURE_METRIC,
} from '../commons/telemetry.js';
import { clientUserIdSchema } from '../contract/fields.js';
import { checkHumanDataRequest, type HumanDataTarget } from '../contract/human-data.js';
import { assertCallerIs, type Caller, callerLabel } from '../domain/caller.js';
import { type HumanDataDependencies, type HumanDataPage, readHumanData } from '../domain/human-data.js';
import { type FieldIssue, RequestParameterError } from '../domain/request-errors.js';
import { requestIssueMessage } from './field-issues.js';
import { HttpAnswer, type HttpRequest } from './http-handler.js';
import { toProblem } from './problem.js';

/** The `{clientUserId}` that names the signed-in user (JWT mode). */
export const SIGNED_IN_USER = 'me';

/** The link relations passed on, at most one each. */
const LINK_RELATIONS = ['next', 'prev', 'first', 'last'];
/** One `<reference>; rel="name"` of an RFC 8288 `Link` header. */
const LINK_VALUE = /<([^>]*)>\s*;\s*rel="?([A-Za-z]+)"?/g;
/** The longest `Link` header read: a page has a handful of links. */
const MAX_LINK_HEADER_LENGTH = 8192;

/** The user whose data it is: the signed-in caller for `me`, else the checked `{clientUserId}`. */
function userOf(caller: Caller, named: string): string | FieldIssue[] {
  if (named === SIGNED_IN_USER) {
    if (caller.kind === 'user') return caller.userId;
    return [{ path: 'path.clientUserId', message: '"me" names the signed-in user (JWT mode); name the user' }];
  }
  const parsed = clientUserIdSchema.safeParse(named, { error: requestIssueMessage });
  if (parsed.success) return parsed.data;
  return parsed.error.issues.map((issue) => ({ path: 'path.clientUserId', message: issue.message }));
}

/** The path's target, refusing a `{path+}` that was percent-encoded (an encoded `/` or `.` is never a segment). */
function targetOf(path: string, rawPath: string, query: URLSearchParams): HumanDataTarget | FieldIssue[] {
  const target = checkHumanDataRequest(path, query);
  if (Array.isArray(target) || rawPath.endsWith(`/human/${path}`)) return target;
  return [{ path: 'path.path', message: 'must not be percent-encoded' }];
}

/**
 * Checks the request: who, what, and that the caller may read it.
 *
 * @throws {RequestParameterError} naming each parameter at fault
 * @throws {CallerMismatchError} when a signed-in user names another user
 */
function checkRequest({ caller, pathParameters, rawPath, query }: HttpRequest<undefined>) {
  const clientUserId = userOf(caller, pathParameters.clientUserId ?? '');
  const target = targetOf(pathParameters.path ?? '', rawPath, query);
  const issues = [...(Array.isArray(clientUserId) ? clientUserId : []), ...(Array.isArray(target) ? target : [])];
  if (Array.isArray(clientUserId) || Array.isArray(target)) throw new RequestParameterError(issues);
  assertCallerIs(caller, clientUserId);
  return { clientUserId, target };
}

/**
 * Human API's paging links as this API's own: each `next`/`prev`/`first`/`last` link to the same
 * endpoint, its query checked like a caller's, becomes the request's own path with that query. Any
 * other link, or one whose query this API would refuse, is dropped: Human API's host never shows.
 */
export function gatewayLinks(link: string | undefined, rawPath: string, target: HumanDataTarget): string | undefined {
  if (link === undefined || link.length > MAX_LINK_HEADER_LENGTH) return undefined;
  const links = new Map<string, string>();
  for (const [, reference = '', relation = ''] of link.matchAll(LINK_VALUE)) {
    const rel = relation.toLowerCase();
    if (!LINK_RELATIONS.includes(rel) || links.has(rel) || !URL.canParse(reference, 'https://human-api.invalid/')) {
      continue;
    }
    const url = new URL(reference, 'https://human-api.invalid/');
    if (!url.pathname.endsWith(`/v1/human/${target.path}`)) continue;
    const checked = checkHumanDataRequest(target.path, url.searchParams);
    if (Array.isArray(checked)) continue;
    const query = checked.query.toString();
    links.set(rel, `<${rawPath}${query === '' ? '' : `?${query}`}>; rel="${rel}"`);
  }
  return links.size === 0 ? undefined : [...links.values()].join(', ');
}

/** The answer: Human API's JSON text as it came, with its total count and this API's links. */
function answerOf(page: HumanDataPage, rawPath: string, target: HumanDataTarget): HttpAnswer {
  const total = page.headers['x-total-count'];
  const link = gatewayLinks(page.headers.link, rawPath, target);
  return new HttpAnswer(200, page.body, {
    ...(total !== undefined && /^\d{1,15}$/.test(total) ? { 'X-Total-Count': total } : {}),
    ...(link === undefined ? {} : { Link: link }),
  });
}

/**
 * Creates the route's work: check, read through the vault, answer, audit.
 */
export function createHumanDataRoute(dependencies: HumanDataDependencies) {
  return async (request: HttpRequest<undefined>): Promise<HttpAnswer> => {
    const started = performance.now();
    let checked: ReturnType<typeof checkRequest> | undefined;
    let page: HumanDataPage | undefined;
    let failure: unknown;
    try {
      checked = checkRequest(request);
      const { clientUserId, target } = checked;
      page = await readHumanData(
        { clientUserId, target, remainingMs: () => request.context.getRemainingTimeInMillis() },
        dependencies,
      );
      return answerOf(page, request.rawPath, target);
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      const status = page === undefined ? toProblem(failure).status : 200;
      const bytes = page === undefined ? 0 : Buffer.byteLength(page.body);
      const upstreamStatus = page?.upstreamStatus ?? errorFields(failure).upstreamStatus;
      // The audit line: who read whose data, which endpoint, and how it went. Names and numbers
      // only: never the query's values, an id of the path, a token or a byte of the data.
      logger.info('Human data call', {
        caller: callerLabel(request.caller),
        ...(checked === undefined
          ? {}
          : { clientUserId: checked.clientUserId, pathTemplate: checked.target.pathTemplate }),
        ...(upstreamStatus === undefined ? {} : { upstreamStatus }),
        status,
        bytes,
        latencyMs: Math.round(performance.now() - started),
        ...(request.requestId === undefined ? {} : { requestId: request.requestId }),
      });
      metrics.addMetric(HUMAN_DATA_CALLS_METRIC, MetricUnit.Count, 1);
      metrics.addMetric(HUMAN_DATA_BYTES_METRIC, MetricUnit.Bytes, bytes);
      if (status === 502 || status === 504) metrics.addMetric(HUMAN_DATA_UPSTREAM_FAILURE_METRIC, MetricUnit.Count, 1);
    }
  };
}
