/**
 * Human API's current-generation token endpoint, `POST {HUMANAPI_AUTH_BASE_URL}/v1/connect/token`
 * (docs/design.md#human-api): the `session`, `id_token` and `access` tokens, over the same
 * `node:https` transport as the v1 client (`./https-transport.ts`: timeout, keep-alive, no
 * redirects, 64 KiB cap, status translation), and answers validated before use.
 */
import * as z from 'zod/mini';
import { boundedToken } from '../http/schemas.js';
import { createHumanApiTransport } from './https-transport.js';

const TOKEN_PATH = '/v1/connect/token';

/**
 * A token Connect opens with. These are often JWTs, far longer than the v1 tokens, so the bound is
 * generous; printable ASCII without spaces, as every token here.
 */
const connectToken = z
  .string()
  .check(z.minLength(1), z.maxLength(8192), z.regex(/^[\x21-\x7e]+$/, { error: 'Must be printable ASCII' }));
/** Seconds until a token expires. */
const expiresIn = z.number().check(z.int(), z.positive());

const sessionAnswerSchema = z.object({ session_token: connectToken, expires_in: expiresIn, human_id: boundedToken });

/**
 * The id_token answer's shape is not documented publicly: the token is read from `id_token` (or
 * `token`), `human_id` when present; every other field is ignored.
 */
const idTokenAnswerSchema = z.pipe(
  z
    .object({
      id_token: z.optional(connectToken),
      token: z.optional(connectToken),
      expires_in: expiresIn,
      human_id: z.optional(boundedToken),
    })
    .check(
      z.refine((answer) => answer.id_token !== undefined || answer.token !== undefined, {
        error: 'No id_token in the answer',
      }),
    ),
  z.transform(({ id_token, token, expires_in, human_id }) => ({
    token: id_token ?? token ?? '',
    expiresIn: expires_in,
    humanId: human_id,
  })),
);

const accessAnswerSchema = z.object({
  access_token: boundedToken,
  expires_in: expiresIn,
  token_type: z.string().check(z.regex(/^bearer$/i)),
  refresh_token: z.optional(connectToken),
});

/** A token to open Connect with, and the user it is for. */
export interface ConnectToken {
  readonly token: string;
  /** Seconds until it expires. */
  readonly expiresIn: number;
  /** Human API's ID for the user; an id_token answer may not carry it. */
  readonly humanId: string | undefined;
}

/** A health-data access token minted on demand. */
export interface MintedAccessToken {
  readonly accessToken: string;
  /** Seconds until it expires (Human API: 86400). */
  readonly expiresIn: number;
  readonly refreshToken: string | undefined;
}

/** The app credentials and the user every call names. */
export interface ConnectTokenRequest {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly clientUserId: string;
}

/** The three token types of `/v1/connect/token`. */
export interface HumanApiAuthClient {
  /** `type: "session"`: a token that opens Connect for a new user (the e-mail is required). */
  mintSessionToken(request: ConnectTokenRequest & { readonly email: string }): Promise<ConnectToken>;
  /** `type: "id_token"`: a token that opens Connect for a user who already connected. */
  mintIdToken(request: ConnectTokenRequest & { readonly email?: string | undefined }): Promise<ConnectToken>;
  /** `type: "access"`: a health-data access token, only for a user who connected sources. */
  mintAccessToken(request: ConnectTokenRequest): Promise<MintedAccessToken>;
}

/** Settings of {@link createHumanApiAuthClient}. */
export interface HumanApiAuthClientOptions {
  /** Origin (and optional base path) of Human API's auth service, without a trailing slash. */
  readonly baseUrl: string;
  /** Time allowed for one call, from connecting to reading the whole answer. */
  readonly timeoutMs: number;
}

/**
 * Creates the client of `/v1/connect/token`.
 *
 * @throws {HumanApiFailedError} when `baseUrl` is neither https nor http on a loopback host
 */
export function createHumanApiAuthClient({ baseUrl, timeoutMs }: HumanApiAuthClientOptions): HumanApiAuthClient {
  const transport = createHumanApiTransport({ baseUrl, timeoutMs });

  // A failure is logged with the token type only: the body holds the client secret and the e-mail.
  const mint = <T>(type: string, body: object, schema: z.ZodMiniType<T>): Promise<T> =>
    transport.postJson(TOKEN_PATH, body, schema, { tokenType: type });

  const credentials = ({ clientId, clientSecret, clientUserId }: ConnectTokenRequest) => ({
    client_id: clientId,
    client_secret: clientSecret,
    client_user_id: clientUserId,
  });

  return {
    async mintSessionToken(request) {
      const answer = await mint(
        'session',
        { ...credentials(request), client_user_email: request.email, type: 'session' },
        sessionAnswerSchema,
      );
      return { token: answer.session_token, expiresIn: answer.expires_in, humanId: answer.human_id };
    },
    mintIdToken: (request) =>
      mint(
        'id_token',
        {
          ...credentials(request),
          ...(request.email === undefined ? {} : { client_user_email: request.email }),
          type: 'id_token',
        },
        idTokenAnswerSchema,
      ),
    async mintAccessToken(request) {
      const answer = await mint('access', { ...credentials(request), type: 'access' }, accessAnswerSchema);
      return { accessToken: answer.access_token, expiresIn: answer.expires_in, refreshToken: answer.refresh_token };
    },
  };
}
