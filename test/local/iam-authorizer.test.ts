import { describe, expect, it } from 'vitest';
import { createIamAuthorizer, type SignedRequest } from '../../local/iam-authorizer.js';
import { LOCAL_IAM_CREDENTIALS, signRequest } from '../support/sigv4.js';

const URL_SIGNED = 'http://127.0.0.1:3000/public-tokens';
const BODY = '{"clientUserId":"alice@example.com"}';
const NOW = new Date('2026-12-01T12:00:00Z');
const authorize = createIamAuthorizer({ credentials: LOCAL_IAM_CREDENTIALS, region: 'us-east-1', now: () => NOW });

/** The request as `node:http` hands it over: lower-case header names, the raw path. */
async function signedRequest(
  options: Parameters<typeof signRequest>[2] = {},
  { body = BODY, url = URL_SIGNED }: { body?: string; url?: string } = {},
): Promise<SignedRequest & { headers: Record<string, string> }> {
  const headers = await signRequest(
    url,
    { headers: { 'content-type': 'application/json' }, body },
    { signingDate: NOW, ...options },
  );
  const target = new URL(url);
  const lowerCase = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  return {
    method: 'POST',
    url: `${target.pathname}${target.search}`,
    headers: { ...lowerCase, host: target.host },
    body: new TextEncoder().encode(body),
  };
}

/** The request with its Authorization header's SignedHeaders list replaced (the signature left as it was). */
function withSignedHeaders(request: SignedRequest & { headers: Record<string, string> }, list: string) {
  const authorization = (request.headers.authorization ?? '').replace(/SignedHeaders=[^,]+/, `SignedHeaders=${list}`);
  return { ...request, headers: { ...request.headers, authorization } };
}

/** What the signer in test/support/sigv4.ts signs for {@link signedRequest}, sorted as SigV4 lists them. */
const SIGNED = ['content-type', 'host', 'x-amz-content-sha256', 'x-amz-date'];

describe('the local IAM authorizer', () => {
  it('allows a request signed by the local credentials for execute-api in the region', async () => {
    const verdict = await authorize(await signedRequest());

    expect(verdict).toEqual({
      allowed: true,
      accessKeyId: 'AKIALOCALDEVELOPMENT',
      principalArn: 'arn:aws:iam::000000000000:user/local-app-backend',
    });
  });

  it('allows a signed request with a query string, repeated keys included', async () => {
    const request = await signedRequest({}, { url: `${URL_SIGNED}?b=2&a=1&a=0` });

    expect((await authorize(request)).allowed).toBe(true);
  });

  it('allows a signature dated 4 minutes ago', async () => {
    const verdict = await authorize(await signedRequest({ signingDate: new Date(NOW.getTime() - 4 * 60_000) }));

    expect(verdict.allowed).toBe(true);
  });

  it('refuses an unsigned request', async () => {
    const request = await signedRequest();
    const { authorization: _dropped, ...headers } = request.headers;

    expect(await authorize({ ...request, headers })).toEqual({
      allowed: false,
      reason: 'The request is not signed with AWS Signature Version 4.',
    });
  });

  it('refuses a signature dated more than 5 minutes ago or ahead', async () => {
    const old = await authorize(await signedRequest({ signingDate: new Date(NOW.getTime() - 6 * 60_000) }));
    const ahead = await authorize(await signedRequest({ signingDate: new Date(NOW.getTime() + 6 * 60_000) }));

    expect(old).toMatchObject({ allowed: false, reason: expect.stringContaining('expired') });
    expect(ahead).toMatchObject({ allowed: false, reason: expect.stringContaining('expired') });
  });

  it('refuses a request whose body was changed after signing', async () => {
    const request = await signedRequest();
    const tampered = { ...request, body: new TextEncoder().encode('{"clientUserId":"mallory@example.com"}') };

    expect(await authorize(tampered)).toMatchObject({ allowed: false });
  });

  it('refuses a body changed after signing even when its stated hash is changed to match', async () => {
    const request = await signedRequest();
    const body = new TextEncoder().encode('{"clientUserId":"mallory@example.com"}');
    const { createHash } = await import('node:crypto');
    const headers = { ...request.headers, 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex') };

    expect(await authorize({ ...request, body, headers })).toEqual({
      allowed: false,
      reason: 'The signature does not match the request.',
    });
  });

  it('refuses a signed header changed after signing, and a different path', async () => {
    const request = await signedRequest();

    const otherType = await authorize({ ...request, headers: { ...request.headers, 'content-type': 'text/plain' } });
    const otherPath = await authorize({ ...request, url: '/connect-tokens' });

    expect(otherType).toMatchObject({ allowed: false, reason: 'The signature does not match the request.' });
    expect(otherPath).toMatchObject({ allowed: false, reason: 'The signature does not match the request.' });
  });

  it('refuses a signature by the right access key with a wrong secret', async () => {
    const request = await signedRequest({
      credentials: { accessKeyId: 'AKIALOCALDEVELOPMENT', secretAccessKey: 'guessed-secret' },
    });

    expect(await authorize(request)).toEqual({ allowed: false, reason: 'The signature does not match the request.' });
  });

  it('refuses a signature by another access key', async () => {
    const request = await signedRequest({
      credentials: { accessKeyId: 'AKIAOTHERPRINCIPAL00', secretAccessKey: 'local-development-secret' },
    });

    expect(await authorize(request)).toEqual({ allowed: false, reason: 'The access key is not an allowed principal.' });
  });

  it('refuses a signature scoped to another region or service', async () => {
    const request = await signedRequest({ region: 'eu-west-1' });

    expect(await authorize(request)).toMatchObject({ allowed: false, reason: expect.stringContaining('us-east-1') });
  });

  it('refuses a request whose X-Amz-Date was changed after signing', async () => {
    const request = await signedRequest();
    const headers = { ...request.headers, 'x-amz-date': '20261201T120100Z' };

    expect(await authorize({ ...request, headers })).toEqual({
      allowed: false,
      reason: 'The signature does not match the request.',
    });
  });

  it('refuses a signature that leaves the Host header out', async () => {
    const request = await signedRequest();
    const authorization = request.headers.authorization?.replace(/SignedHeaders=[^,]+/, 'SignedHeaders=x-amz-date');

    expect(
      await authorize({ ...request, headers: { ...request.headers, authorization: authorization ?? '' } }),
    ).toEqual({
      allowed: false,
      reason: 'The signature must cover the Host and X-Amz-Date headers.',
    });
  });

  it('refuses a SignedHeaders list naming constructor, which the request does not carry', async () => {
    const request = withSignedHeaders(await signedRequest(), ['constructor', ...SIGNED].join(';'));

    expect(await authorize(request)).toEqual({ allowed: false, reason: 'The signed header constructor is missing.' });
  });

  it.each(['hasOwnProperty', 'toString'])(
    'refuses a SignedHeaders list naming %s: SigV4 names headers in lower case',
    async (name) => {
      const list = [...SIGNED, name].sort().join(';');

      expect(await authorize(withSignedHeaders(await signedRequest(), list))).toEqual({
        allowed: false,
        reason: 'The SignedHeaders list must name headers in lower case, as SigV4 lists them.',
      });
    },
  );

  it('refuses a SignedHeaders list naming __proto__, which the request does not carry', async () => {
    const request = withSignedHeaders(await signedRequest(), ['__proto__', ...SIGNED].join(';'));

    expect(await authorize(request)).toEqual({ allowed: false, reason: 'The signed header __proto__ is missing.' });
  });

  it('allows a request that really carries and signs a header named constructor', async () => {
    const headers = await signRequest(
      URL_SIGNED,
      { headers: { 'content-type': 'application/json', constructor: 'yes' }, body: BODY },
      { signingDate: NOW },
    );
    const request = await signedRequest();
    const lowerCase = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));

    expect(await authorize({ ...request, headers: { ...lowerCase, host: '127.0.0.1:3000' } })).toEqual({
      allowed: true,
      accessKeyId: 'AKIALOCALDEVELOPMENT',
      principalArn: 'arn:aws:iam::000000000000:user/local-app-backend',
    });
  });

  it.each([
    ['two semicolons in a row', 'content-type;host;;x-amz-content-sha256;x-amz-date'],
    ['a leading semicolon', ';content-type;host;x-amz-content-sha256;x-amz-date'],
    ['a trailing semicolon', 'content-type;host;x-amz-content-sha256;x-amz-date;'],
  ])('refuses a SignedHeaders list with an empty name (%s)', async (_, list) => {
    expect(await authorize(withSignedHeaders(await signedRequest(), list))).toEqual({
      allowed: false,
      reason: 'The SignedHeaders list has an empty header name.',
    });
  });

  it('refuses a SignedHeaders list naming a header twice', async () => {
    const request = withSignedHeaders(await signedRequest(), 'content-type;host;host;x-amz-content-sha256;x-amz-date');

    expect(await authorize(request)).toEqual({
      allowed: false,
      reason: 'The SignedHeaders list names host more than once.',
    });
  });

  it('refuses a SignedHeaders list out of order, even when the signature matches the sorted list', async () => {
    const request = withSignedHeaders(await signedRequest(), 'host;content-type;x-amz-content-sha256;x-amz-date');

    expect(await authorize(request)).toEqual({
      allowed: false,
      reason: 'The SignedHeaders list is not sorted: SigV4 lists the header names in ascending order.',
    });
  });

  it('refuses a SignedHeaders list with an upper-case name', async () => {
    const request = withSignedHeaders(await signedRequest(), 'Content-Type;host;x-amz-content-sha256;x-amz-date');

    expect(await authorize(request)).toEqual({
      allowed: false,
      reason: 'The SignedHeaders list must name headers in lower case, as SigV4 lists them.',
    });
  });

  it('refuses a SignedHeaders list of more than 64 names', async () => {
    const padding = Array.from({ length: 61 }, (_, index) => `x-pad-${String(index).padStart(2, '0')}`);
    const list = [...SIGNED, ...padding].sort().join(';');

    expect(await authorize(withSignedHeaders(await signedRequest(), list))).toEqual({
      allowed: false,
      reason: 'The SignedHeaders list names more than 64 headers.',
    });
  });

  it('refuses, rather than fails on, a request whose target is not a URL', async () => {
    const request = await signedRequest();

    expect(await authorize({ ...request, url: 'http://[' })).toEqual({
      allowed: false,
      reason: 'The signature could not be checked against this request.',
    });
  });
});
