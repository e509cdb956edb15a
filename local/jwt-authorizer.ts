/**
 * Local emulation of an HTTP API JWT authorizer (docs/design.md#security-model): verifies
 * `Authorization: Bearer` tokens against a JWKS the way API Gateway does
 * (signature, `iss`, `aud`, `exp`, `nbf`), and a development issuer that
 * signs such tokens for the example front end and the tests.
 */
import { createRemoteJWKSet, exportJWK, generateKeyPair, type JWTPayload, jwtVerify, SignJWT } from 'jose';

/** Verifies a bearer token; resolves its claims, or `undefined` when API Gateway would answer 401. */
export type JwtVerifier = (authorization: string | undefined) => Promise<JWTPayload | undefined>;

/** Creates a verifier for tokens of `issuer` meant for `audience`, signed by a key in the JWKS at `jwksUrl`. */
export function createJwtVerifier({
  issuer,
  audience,
  jwksUrl,
}: {
  issuer: string;
  audience: string;
  jwksUrl: string;
}): JwtVerifier {
  const jwks = createRemoteJWKSet(new URL(jwksUrl));
  return async (authorization) => {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (match?.[1] === undefined) return undefined;
    try {
      const { payload } = await jwtVerify(match[1], jwks, { issuer, audience, algorithms: ['RS256', 'ES256'] });
      return payload;
    } catch {
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
