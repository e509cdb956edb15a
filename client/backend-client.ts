/**
 * The team's services' client of the backend's IAM routes (docs/api.md#the-service-client):
 * every request is validated with the schemas that define the API (functions/contract/), signed
 * with AWS Signature Version 4 for API Gateway (service `execute-api`) with the standard AWS
 * credential chain, and every answer is parsed with the same schemas. A refusal is a
 * {@link ConnectBackendError} carrying the problem (or API Gateway's own message).
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type * as z from 'zod/mini';
import {
  type ConnectSessionToken,
  connectSessionTokenSchema,
  gatewayMessageSchema,
  type Problem,
  problemSchema,
  type UserDeletion,
  type UserPublicToken,
  userDeletionSchema,
  userPublicTokenSchema,
} from '../functions/contract/answers.js';
import { clientUserIdSchema } from '../functions/contract/fields.js';
import {
  type ConnectTokenRequest,
  connectTokenRequestSchema,
  type PublicTokenRequest,
  publicTokenRequestSchema,
} from '../functions/contract/requests.js';
import { ROUTES, type RouteFunctionName } from '../functions/contract/routes.js';
import {
  type HumanDataCall,
  type HumanDataPage,
  type HumanDataQuery,
  humanDataPage,
  humanDataRequest,
  pagesOf,
} from './human-data.js';

/** Settings of {@link createConnectBackendClient}. */
export interface ConnectBackendClientOptions {
  /** The API's base URL (the stack's `ApiUrl` output; local mode's API URL). */
  readonly apiUrl: string;
  /** The region the API is in. @default `process.env.AWS_REGION`, else `us-east-1` */
  readonly region?: string;
  /** Who signs. @default the standard AWS credential chain (environment, profile, role, …) */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Time allowed for one request. @default 10000 */
  readonly timeoutMs?: number;
}

/** The backend refused a request, or answered something this client cannot read. */
export class ConnectBackendError extends Error {
  /** The HTTP status (0 when no answer arrived). */
  readonly status: number;
  /** The problem the backend answered, when it answered one. */
  readonly problem: Problem | undefined;
  /** The answer's `Retry-After` in seconds (a 503 while Human API rate limits), when it carried one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    status: number,
    message: string,
    problem?: Problem,
    options?: ErrorOptions & { readonly retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.name = 'ConnectBackendError';
    this.status = status;
    this.problem = problem;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** The IAM routes, called as the team's app back end calls them. */
export interface ConnectBackendClient {
  /** `POST /public-tokens`: a returning user's publicToken (stored, or fresh with `refresh`). */
  recoverPublicToken(request: PublicTokenRequest): Promise<UserPublicToken>;
  /** `POST /connect-tokens`: the token a current-generation Connect opens with. */
  createConnectToken(request: ConnectTokenRequest & { readonly clientUserId: string }): Promise<ConnectSessionToken>;
  /**
   * `GET /users/{clientUserId}/human/{path+}`: a record or a page of the user's health data, read
   * through the data gateway (docs/api.md#get-usersclientuseridhumanpath); this service never
   * sees the user's access token.
   *
   * @param path - the endpoint under `/v1/human/` (`activities/summaries`, `profile`, …)
   * @param query - a list's parameters (`limit`, `offset`, `updated_since`, …)
   * @throws {ConnectBackendError} with the problem the gateway answered (409 `reconnect-required`:
   *   the user must connect again), or status 400 before sending what the gateway would refuse
   */
  humanData<P extends string>(clientUserId: string, path: P, query?: HumanDataQuery): Promise<HumanDataPage<P>>;
  /**
   * The pages of a list, from `query`'s offset on, following the gateway's `next` links until the
   * last page or `maxPages` (default 100), whichever comes first.
   */
  humanDataPages<P extends string>(
    clientUserId: string,
    path: P,
    query?: HumanDataQuery,
    options?: { readonly maxPages?: number },
  ): AsyncGenerator<HumanDataPage<P>, void, undefined>;
  /**
   * `DELETE /users/{clientUserId}`: deletes the user's tokens from the vault (nothing at Human API,
   * docs/api.md#delete-usersclientuserid); idempotent, so safe to retry.
   */
  deleteUser(clientUserId: string): Promise<UserDeletion>;
}

/** The route of a function, from the route table. */
function routeOf(functionName: RouteFunctionName) {
  const route = ROUTES.find((candidate) => candidate.functionName === functionName);
  if (route === undefined) throw new Error(`no route for ${functionName}`);
  return route;
}

/** Creates a client of the backend at `apiUrl`. */
export function createConnectBackendClient({
  apiUrl,
  region = process.env.AWS_REGION ?? 'us-east-1',
  credentials = fromNodeProviderChain(),
  timeoutMs = 10_000,
}: ConnectBackendClientOptions): ConnectBackendClient {
  const base = new URL(apiUrl.replace(/\/+$/, ''));
  const signer = new SignatureV4({ credentials, region, service: 'execute-api', sha256: Sha256 });

  /** Sends one signed request to `path` (with its query, already encoded) and answers its 200: JSON and headers. */
  async function send(
    method: string,
    path: string,
    body: object | undefined,
  ): Promise<{ readonly json: unknown; readonly headers: Headers }> {
    const url = new URL(`${base.pathname.replace(/\/$/, '')}${path}`, base);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: {
        host: url.host,
        accept: 'application/json',
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(payload === undefined ? {} : { body: payload }),
    });
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: signed.headers,
        ...(payload === undefined ? {} : { body: payload }),
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new ConnectBackendError(0, `The backend did not answer ${method} ${path}`, undefined, { cause: error });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ConnectBackendError(response.status, `The backend answered ${response.status} with no JSON`);
    }
    if (!response.ok) throw refusal(response.status, json, response.headers.get('retry-after'));
    return { json, headers: response.headers };
  }

  /** Sends one signed request and answers its parsed 200 body. */
  async function call<T>(method: string, path: string, body: object | undefined, answer: z.ZodMiniType<T>): Promise<T> {
    const parsed = answer.safeParse((await send(method, path, body)).json);
    if (!parsed.success) throw new ConnectBackendError(200, 'The backend answered an unexpected shape');
    return parsed.data;
  }

  const humanData: HumanDataCall = async (clientUserId, path, query) => {
    const request = humanDataRequest(clientUserId, path, query);
    if (Array.isArray(request)) {
      throw new ConnectBackendError(400, `The request fails the API's rules: ${request.join(', ')}`);
    }
    const { json, headers } = await send(
      routeOf('humanData').method,
      `${request.gatewayPath}${request.query === '' ? '' : `?${request.query}`}`,
      undefined,
    );
    const page = humanDataPage<typeof path>(json, headers, request);
    if (page === undefined) throw new ConnectBackendError(200, 'The backend answered an unexpected shape');
    return page;
  };

  return {
    humanData,
    humanDataPages: (clientUserId, path, query, options) => pagesOf(humanData, clientUserId, path, query, options),
    recoverPublicToken(request) {
      const route = routeOf('recoverPublicToken');
      return call(route.method, route.path, checked(publicTokenRequestSchema, request), userPublicTokenSchema);
    },
    createConnectToken(request) {
      const route = routeOf('connectTokens');
      return call(route.method, route.path, checked(connectTokenRequestSchema, request), connectSessionTokenSchema);
    },
    async deleteUser(clientUserId) {
      const route = routeOf('deleteUser');
      // `me` names a signed-in user: a service, signing for IAM, names the user (the API says the same).
      if (clientUserId === 'me' || !clientUserIdSchema.safeParse(clientUserId).success) {
        throw new ConnectBackendError(400, "The request fails the API's rules: clientUserId");
      }
      const path = route.path.replace('{clientUserId}', encodeURIComponent(clientUserId));
      return call(route.method, path, undefined, userDeletionSchema);
    },
  };
}

/** A request the API would refuse is refused here, before it is sent (with the API's 400 words). */
function checked<T>(schema: z.ZodMiniType<T>, request: unknown): T {
  const parsed = schema.safeParse(request);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.map(String).join('.') || '(body)');
    throw new ConnectBackendError(400, `The request fails the API's rules: ${[...new Set(fields)].join(', ')}`);
  }
  return parsed.data;
}

/** The error of a refusal: the problem the function answered, or API Gateway's own message. */
function refusal(status: number, json: unknown, retryAfter: string | null): ConnectBackendError {
  const options = retryAfter !== null && /^\d{1,5}$/.test(retryAfter) ? { retryAfterSeconds: Number(retryAfter) } : {};
  const problem = problemSchema.safeParse(json);
  if (problem.success) {
    const { title, detail } = problem.data;
    return new ConnectBackendError(status, detail === undefined ? title : `${title}: ${detail}`, problem.data, options);
  }
  const gateway = gatewayMessageSchema.safeParse(json);
  const message = gateway.success ? gateway.data.message : `The backend answered ${status}`;
  return new ConnectBackendError(status, message, undefined, options);
}
