import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectHumanApiFault, mintSession, post } from '../support/http.js';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';
import { signedPost, signRequest } from '../support/sigv4.js';

const execFileAsync = promisify(execFile);

let local: LocalModeProcess;
const recover = (body: unknown) => signedPost(`${local.apiUrl}/public-tokens`, body);
let stored: { humanId: string; clientUserId: string; publicToken: string };

beforeAll(async () => {
  local = await startLocalModeProcess();
  const finished = await post(`${local.apiUrl}/sessions`, await mintSession(local.apiUrl, 'returning@example.com'));
  stored = finished.json as typeof stored;
});

afterAll(async () => {
  await local?.stop();
});

describe('POST /public-tokens without JWT, signed by the local IAM principal', () => {
  it('answers the stored publicToken by clientUserId', async () => {
    const answer = await recover({ clientUserId: 'returning@example.com' });

    expect(answer.status).toBe(200);
    expect(answer.json).toEqual(stored);
    expect(answer.headers.get('cache-control')).toBe('no-store');
  });

  it('answers the stored publicToken by humanId (GSI)', async () => {
    const answer = await recover({ humanId: stored.humanId });

    expect(answer.status).toBe(200);
    expect(answer.json).toEqual(stored);
  });

  it('answers 404 problem+json when there is no record', async () => {
    const byUser = await recover({ clientUserId: 'stranger@example.com' });
    const byHumanId = await recover({ humanId: 'ab'.repeat(12) });

    expect(byUser.status).toBe(404);
    expect(byUser.headers.get('content-type')).toBe('application/problem+json');
    expect(byHumanId.status).toBe(404);
  });

  it('on refresh, stores and answers a fresh publicToken from Human API', async () => {
    const refreshed = await recover({ clientUserId: 'returning@example.com', refresh: true });

    expect(refreshed.status).toBe(200);
    expect(refreshed.json.publicToken).not.toBe(stored.publicToken);
    expect((await recover({ humanId: stored.humanId })).json.publicToken).toBe(refreshed.json.publicToken);
    stored = refreshed.json as typeof stored;
  });

  it.each([
    [502, { status: 500 }],
    [502, { status: 200, body: 'not json' }],
    [502, { reset: true }],
    [422, { status: 404 }],
    [502, { status: 401, count: 2 }],
  ])('answers %i when Human API fails during a refresh, leaving the record unchanged', async (status, fault) => {
    await injectHumanApiFault(local.apiUrl, fault);

    const answer = await recover({ clientUserId: 'returning@example.com', refresh: true });

    expect(answer.status).toBe(status);
    expect((await recover({ clientUserId: 'returning@example.com' })).json).toEqual(stored);
  });

  it.each([
    ['both clientUserId and humanId', { clientUserId: 'returning@example.com', humanId: 'ab'.repeat(12) }],
    ['neither', {}],
    ['a non-boolean refresh', { clientUserId: 'returning@example.com', refresh: 'yes' }],
    ['a control character', { clientUserId: 'returning\u0000@example.com' }],
    ['an empty clientUserId', { clientUserId: '' }],
    ['a JSON array', []],
  ])('answers 400 to %s', async (_, body) => {
    const answer = await recover(body);

    expect(answer.status).toBe(400);
    expect(answer.json.status).toBe(400);
    expect(answer.json.errors).toEqual(expect.any(Array));
  });

  it('answers 415 to a content type other than JSON or form-urlencoded', async () => {
    expect(
      (await signedPost(`${local.apiUrl}/public-tokens`, '{"clientUserId":"x"}', { contentType: 'text/plain' })).status,
    ).toBe(415);
  });
});

describe('AWS IAM on POST /public-tokens without JWT, as API Gateway requires it', () => {
  /** API Gateway's own 403 body, plus local mode's `reason` (docs/local-mode.md#identity). */
  const expectForbidden = (answer: Awaited<ReturnType<typeof post>>) => {
    expect(answer.status).toBe(403);
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.json).toEqual({ message: 'Forbidden', reason: expect.any(String) });
    expect(answer.text).not.toContain(stored.publicToken);
  };

  it('answers 403 {"message":"Forbidden"} to an unsigned request, with the reason beside it', async () => {
    const answer = await post(`${local.apiUrl}/public-tokens`, { clientUserId: 'returning@example.com' });

    expectForbidden(answer);
    expect(answer.json.reason).toBe('The request is not signed with AWS Signature Version 4.');
  });

  it('answers the 403 with the CORS headers of an allowed origin, as every other answer', async () => {
    const answer = await post(
      `${local.apiUrl}/public-tokens`,
      { clientUserId: 'returning@example.com' },
      { headers: { origin: local.webUrl } },
    );

    expectForbidden(answer);
    expect(answer.headers.get('access-control-allow-origin')).toBe(local.webUrl);
  });

  it('answers 403 to a request signed with a wrong secret, another key, or over 5 minutes ago', async () => {
    const url = `${local.apiUrl}/public-tokens`;
    const body = { clientUserId: 'returning@example.com' };

    expectForbidden(
      await signedPost(url, body, {
        credentials: { accessKeyId: 'AKIALOCALDEVELOPMENT', secretAccessKey: 'not-the-secret' },
      }),
    );
    expectForbidden(
      await signedPost(url, body, {
        credentials: { accessKeyId: 'AKIASOMEONEELSE00000', secretAccessKey: 'local-development-secret' },
      }),
    );
    expectForbidden(await signedPost(url, body, { signingDate: new Date(Date.now() - 6 * 60_000) }));
  });

  it('answers 403 to a signed request whose body was changed on the way', async () => {
    const url = `${local.apiUrl}/public-tokens`;
    const headers = await signRequest(url, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientUserId: 'someone-else@example.com' }),
    });

    expectForbidden(await post(url, { clientUserId: 'returning@example.com' }, { headers }));
  });

  it('answers 403, not 500, to a signature whose SignedHeaders names constructor, a header the request lacks', async () => {
    const url = `${local.apiUrl}/public-tokens`;
    const body = JSON.stringify({ clientUserId: 'returning@example.com' });
    const headers = await signRequest(url, { headers: { 'content-type': 'application/json' }, body });
    // `constructor` sorts first, so the list is still well-formed: only the name is foreign.
    const authorization = (headers.authorization ?? '').replace('SignedHeaders=', 'SignedHeaders=constructor;');

    const answer = await post(url, body, { headers: { ...headers, authorization } });

    expectForbidden(answer);
    expect(answer.json.reason).toBe('The signed header constructor is missing.');
  });

  it.runIf(existsSync('/usr/bin/curl'))('answers 200 to curl --aws-sigv4 with the local credentials', async () => {
    const { stdout } = await execFileAsync('/usr/bin/curl', [
      '--silent',
      '--show-error',
      '--write-out',
      '\n%{http_code}',
      '--aws-sigv4',
      'aws:amz:us-east-1:execute-api',
      '--user',
      'AKIALOCALDEVELOPMENT:local-development-secret',
      '--header',
      'content-type: application/json',
      '--data',
      JSON.stringify({ clientUserId: 'returning@example.com' }),
      `${local.apiUrl}/public-tokens`,
    ]);
    const [body = '', status] = stdout.split('\n');

    expect(status).toBe('200');
    expect(JSON.parse(body)).toEqual(stored);
  });

  it.runIf(existsSync('/usr/bin/curl'))('answers 403 to curl --aws-sigv4 with a wrong secret', async () => {
    const { stdout } = await execFileAsync('/usr/bin/curl', [
      '--silent',
      '--output',
      '/dev/null',
      '--write-out',
      '%{http_code}',
      '--aws-sigv4',
      'aws:amz:us-east-1:execute-api',
      '--user',
      'AKIALOCALDEVELOPMENT:wrong',
      '--header',
      'content-type: application/json',
      '--data',
      '{"clientUserId":"returning@example.com"}',
      `${local.apiUrl}/public-tokens`,
    ]);

    expect(stdout).toBe('403');
  });

  it('leaves POST /sessions open', async () => {
    const answer = await post(`${local.apiUrl}/sessions`, await mintSession(local.apiUrl, 'open-sessions@example.com'));

    expect(answer.status).toBe(200);
  });

  it('prints the local IAM credentials at start', () => {
    expect(local.output.join('\n')).toContain('AKIALOCALDEVELOPMENT');
  });
});
