/**
 * Human API's current-generation token endpoint, `POST {HUMANAPI_AUTH_BASE_URL}/v1/connect/token`
 * (docs/connect-generations.md#what-the-code-relies-on): the `session`, id and `access` tokens,
 * over the shared transport (./transport.ts), with the answers validated before use.
 *
 * The id token's `type` is not settled in public: Human API's page names it `"id_token"` in a code
 * comment, while both public integrations that run this flow send `"id"` (and one reads the
 * expiry from `id_token_expires_in`). `"id"` is sent first, the working integrations' value; a
 * refusal of it is retried once with `"id_token"`, so either reading of the API works, and a user
 * Human API refuses under both is refused (not connected, or deleted there).
 */
import * as z from 'zod/mini';
import { boundedToken, connectToken } from '../../contract/fields.js';
import { HumanApiRejectedError } from '../../domain/errors.js';
import type { ConnectToken, ConnectTokenRequest, HumanApiAuth, MintedAccessToken } from '../../domain/service-ports.js';
import { HumanApiTransport, type HumanApiTransportOptions } from './transport.js';

const TOKEN_PATH = '/v1/connect/token';

/** The id token's `type` values, in the order tried (see the module comment). */
export const ID_TOKEN_TYPES = ['id', 'id_token'] as const;

/** Seconds until a token expires. */
const expiresIn = z.number().check(z.int(), z.positive());

const sessionAnswerSchema = z.pipe(
  z.object({ session_token: connectToken, expires_in: expiresIn, human_id: boundedToken }),
  z.transform(({ session_token, expires_in, human_id }) => ({
    token: session_token,
    expiresIn: expires_in,
    humanId: human_id,
  })),
);

/**
 * The id token answer's shape is not documented publicly: the token is read from `id_token` (or
 * `token`), the expiry from `expires_in` or `id_token_expires_in`, `human_id` when present; every
 * other field is ignored.
 */
const idTokenAnswerSchema = z.pipe(
  z
    .object({
      id_token: z.optional(connectToken),
      token: z.optional(connectToken),
      expires_in: z.optional(expiresIn),
      id_token_expires_in: z.optional(expiresIn),
      human_id: z.optional(boundedToken),
    })
    .check(
      z.refine((answer) => answer.id_token !== undefined || answer.token !== undefined, {
        error: 'No id_token in the answer',
      }),
      z.refine((answer) => answer.expires_in !== undefined || answer.id_token_expires_in !== undefined, {
        error: 'No expiry in the answer',
      }),
    ),
  z.transform(
    ({ id_token, token, expires_in, id_token_expires_in, human_id }): ConnectToken => ({
      token: id_token ?? token ?? '',
      expiresIn: expires_in ?? id_token_expires_in ?? 0,
      humanId: human_id,
    }),
  ),
);

const accessAnswerSchema = z.pipe(
  z.object({
    access_token: boundedToken,
    expires_in: expiresIn,
    token_type: z.string().check(z.regex(/^bearer$/i)),
    // Human API: refresh tokens "are not actively used today"; read, never stored.
    refresh_token: z.optional(connectToken),
  }),
  z.transform(
    ({ access_token, expires_in }): MintedAccessToken => ({ accessToken: access_token, expiresIn: expires_in }),
  ),
);

/** The three token types of `/v1/connect/token`. */
export class HumanApiAuthClient implements HumanApiAuth {
  private readonly transport: HumanApiTransport;

  /** @throws {HumanApiFailedError} when `baseUrl` is neither https nor http on a loopback host */
  constructor(options: HumanApiTransportOptions) {
    this.transport = new HumanApiTransport(options);
  }

  mintSessionToken(request: ConnectTokenRequest & { readonly email: string }): Promise<ConnectToken> {
    return this.mint('session', { ...credentials(request), client_user_email: request.email }, sessionAnswerSchema);
  }

  async mintIdToken(request: ConnectTokenRequest & { readonly email?: string | undefined }): Promise<ConnectToken> {
    const body = {
      ...credentials(request),
      ...(request.email === undefined ? {} : { client_user_email: request.email }),
    };
    try {
      return await this.mint(ID_TOKEN_TYPES[0], body, idTokenAnswerSchema);
    } catch (error) {
      if (!(error instanceof HumanApiRejectedError)) throw error;
      return this.mint(ID_TOKEN_TYPES[1], body, idTokenAnswerSchema);
    }
  }

  mintAccessToken(request: ConnectTokenRequest): Promise<MintedAccessToken> {
    return this.mint('access', credentials(request), accessAnswerSchema);
  }

  /** One call; a failure is logged with the token type only (the body holds the secret and the e-mail). */
  private mint<T>(type: string, body: object, schema: z.ZodMiniType<T>): Promise<T> {
    return this.transport.postJson(TOKEN_PATH, { ...body, type }, schema, { tokenType: type });
  }
}

function credentials({ clientId, clientSecret, clientUserId }: ConnectTokenRequest) {
  return { client_id: clientId, client_secret: clientSecret, client_user_id: clientUserId };
}
