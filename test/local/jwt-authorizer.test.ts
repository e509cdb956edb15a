import { createLocalJWKSet, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createJwtVerifier, type JwtVerifier } from '../../local/jwt-authorizer.js';

const ISSUER = 'https://issuer.example.com/pool';
const AUDIENCES = ['connect-web', 'connect-ios'];
const KID = 'key-1';
const now = () => Math.floor(Date.now() / 1000);

type Signer = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let rsaKey: Signer;
let otherRsaKey: Signer;
let ecKey: Signer;
let verify: JwtVerifier;

/** Signs `claims` (defaults: a valid token for alice) with `header` (defaults: RS256, kid key-1; `null`: no kid). */
function sign(
  claims: JWTPayload = {},
  { alg = 'RS256', kid = KID, key = rsaKey }: { alg?: string; kid?: string | null; key?: Signer } = {},
): Promise<string> {
  const payload: JWTPayload = {
    sub: 'alice',
    iss: ISSUER,
    aud: 'connect-web',
    iat: now(),
    exp: now() + 600,
    ...claims,
  };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload).setProtectedHeader(kid === null ? { alg } : { alg, kid }).sign(key);
}
const bearer = (token: string) => `Bearer ${token}`;

describe('local JWT authorizer', () => {
  beforeAll(async () => {
    // The JWKS holds key-1 (the RSA key above) and an EC key, as an issuer rotating key types might.
    const { publicKey: ecPublic, privateKey: ecPrivate } = await generateKeyPair('ES256');
    ecKey = ecPrivate;
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    rsaKey = privateKey;
    ({ privateKey: otherRsaKey } = await generateKeyPair('RS256'));
    const jwks = {
      keys: [
        { ...(await exportJWK(publicKey)), kid: KID, alg: 'RS256', use: 'sig' },
        { ...(await exportJWK(ecPublic)), kid: 'ec-key', alg: 'ES256', use: 'sig' },
      ],
    };
    verify = createJwtVerifier({
      issuer: ISSUER,
      audience: AUDIENCES,
      jwksUrl: 'http://127.0.0.1:9/unused',
      keys: createLocalJWKSet(jwks),
    });
  });

  it('accepts a valid RS256 token for one of the audiences and answers its claims', async () => {
    const claims = await verify(bearer(await sign({ aud: 'connect-ios' })));

    expect(claims).toMatchObject({ sub: 'alice', iss: ISSUER, aud: 'connect-ios' });
  });

  it('accepts client_id in place of aud when the token has no aud (Cognito access tokens)', async () => {
    expect(await verify(bearer(await sign({ aud: undefined, client_id: 'connect-web' })))).toBeDefined();
  });

  it('accepts an iat a few seconds ahead, as clocks drift', async () => {
    expect(await verify(bearer(await sign({ iat: now() + 5 })))).toBeDefined();
  });

  it.each<[string, () => Promise<string | undefined>]>([
    ['no Authorization header', async () => undefined],
    ['a scheme other than Bearer', async () => `Basic ${await sign()}`],
    ['a token that is not a JWT', async () => bearer('not-a-jwt')],
    ['a token without kid', async () => bearer(await sign({}, { kid: null }))],
    ['a kid the JWKS does not hold', async () => bearer(await sign({}, { kid: 'key-2' }))],
    ['a signature by another key under the right kid', async () => bearer(await sign({}, { key: otherRsaKey }))],
    [
      'ES256, even by a key the JWKS holds',
      async () => bearer(await sign({}, { alg: 'ES256', kid: 'ec-key', key: ecKey })),
    ],
    [
      'an unsigned token',
      async () => {
        const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
        return bearer(
          `${part({ alg: 'none', kid: KID })}.${part({ sub: 'alice', iss: ISSUER, aud: 'connect-web', exp: now() + 60 })}.`,
        );
      },
    ],
    ['an issuer that differs by a trailing slash', async () => bearer(await sign({ iss: `${ISSUER}/` }))],
    ['no issuer', async () => bearer(await sign({ iss: undefined }))],
    ['an audience not in the list', async () => bearer(await sign({ aud: 'someone-else' }))],
    [
      'an aud not in the list, even with a client_id that is',
      async () => bearer(await sign({ aud: 'x', client_id: 'connect-web' })),
    ],
    ['neither aud nor client_id', async () => bearer(await sign({ aud: undefined }))],
    ['no exp', async () => bearer(await sign({ exp: undefined }))],
    ['an exp in the past', async () => bearer(await sign({ exp: now() - 1 }))],
    ['an nbf in the future', async () => bearer(await sign({ nbf: now() + 600 }))],
    ['an iat in the future beyond the skew', async () => bearer(await sign({ iat: now() + 600 }))],
  ])('refuses %s', async (_case, authorization) => {
    expect(await verify(await authorization())).toBeUndefined();
  });
});
