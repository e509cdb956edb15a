/**
 * Local emulation of an HTTP API JWT authorizer (docs/design.md#security-model): verifies
 * `Authorization: Bearer` tokens against a JWKS the way API Gateway does, and only that: RS256
 * only, a `kid` matched in the JWKS, `iss` exactly the issuer, `aud` (or, without `aud`,
 * `client_id`) one of the audiences, `exp` required and in the future, `nbf` respected, `iat` not
 * in the future. Also a development issuer that signs such tokens for the example front end and
 * the tests.
 */
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
  SignJWT,
} from 'jose';

/** Verifies a bearer token; resolves its claims, or `undefined` when API Gateway would answer 401. */
export type JwtVerifier = (authorization: string | undefined) => Promise<JWTPayload | undefined>;

/** How far in the future an `iat` may be before the token is refused: clocks of issuers drift a little. */
export const JWT_IAT_SKEW_SECONDS = 60;

/** API Gateway's audience rule: `aud` must hold one of the audiences; `client_id` counts only without `aud`. */
function audienceMatches(payload: JWTPayload, audiences: readonly string[]): boolean {
  if (payload.aud !== undefined) {
    return [payload.aud].flat().some((value) => typeof value === 'string' && audiences.includes(value));
  }
  const clientId = payload.client_id;
  return typeof clientId === 'string' && audiences.includes(clientId);
}

/**
 * Creates a verifier for tokens of `issuer` meant for one of `audience`, signed by a key in the
 * JWKS at `jwksUrl`.
 *
 * @param keys - the key set to use instead of fetching `jwksUrl` (tests)
 */
export function createJwtVerifier({
  issuer,
  audience,
  jwksUrl,
  keys,
}: {
  issuer: string;
  audience: string | readonly string[];
  jwksUrl: string;
  keys?: JWTVerifyGetKey;
}): JwtVerifier {
  const audiences: readonly string[] = typeof audience === 'string' ? [audience] : audience;
  const getKey = keys ?? createRemoteJWKSet(new URL(jwksUrl));
  return async (authorization) => {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (token === undefined) return undefined;
    try {
      const header = decodeProtectedHeader(token);
      // API Gateway picks the key by kid: a token without one has no key to check it with.
      if (header.alg !== 'RS256' || typeof header.kid !== 'string' || header.kid === '') return undefined;
      const { payload } = await jwtVerify(token, getKey, { issuer, algorithms: ['RS256'], requiredClaims: ['exp'] });
      if (!audienceMatches(payload, audiences)) return undefined;
      if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + JWT_IAT_SKEW_SECONDS) return undefined;
      return payload;
    } catch {
      // A malformed token, a bad signature, an unknown kid or a failed claim check: all 401.
      return undefined;
    }
  };
}

/** A development issuer: signs RS256 tokens and publishes its JWKS. */
export interface DevIssuer {
  /** The JWKS document. */
  readonly jwks: { keys: object[] };
  /** Signs a token for `sub`. */
  issue(options: {
    sub: string;
    audience?: string;
    expiresInSeconds?: number;
    notBeforeSeconds?: number;
  }): Promise<string>;
}

/** Creates a development issuer with a fresh key pair. */
export async function createDevIssuer({ issuer, audience }: { issuer: string; audience: string }): Promise<DevIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = 'local-dev-issuer';
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return {
    jwks: { keys: [jwk] },
    async issue({ sub, audience: tokenAudience = audience, expiresInSeconds = 3600, notBeforeSeconds = 0 }) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid })
        .setSubject(sub)
        .setIssuer(issuer)
        .setAudience(tokenAudience)
        .setIssuedAt(now)
        .setNotBefore(now + notBeforeSeconds)
        .setExpirationTime(now + expiresInSeconds)
        .sign(privateKey);
    },
  };
}
