/**
 * The leak scan the other reliability files end with: proof that it finds
 * what it must (so its "0 leaks" means something) and lets through what may
 * be shown.
 */
import { describe, expect, it } from 'vitest';
import { LOCAL_CLIENT_ID } from '../../local/settings.js';
import { type RecordedResponse, scanForLeaks } from '../support/leak-scan.js';

const SECRET = '1'.repeat(40);
const ACCESS_TOKEN = 'a'.repeat(40);
const PUBLIC_TOKEN = 'b'.repeat(32);
const SESSION_TOKEN = 'c'.repeat(32);
const HUMAN_ID = 'd'.repeat(24);

const safeHeaders = {
  'content-type': 'application/json',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

function answer(body: string, headers: Record<string, string> = safeHeaders, path = '/sessions'): RecordedResponse {
  return { method: 'POST', path, status: 200, headers, body };
}

function scan(logLines: string[], responses: RecordedResponse[]) {
  return scanForLeaks({
    logLines,
    responses,
    secrets: new Set([SECRET]),
    accessTokens: new Set([ACCESS_TOKEN]),
    publicTokens: new Set([PUBLIC_TOKEN]),
    sessionTokens: new Set([SESSION_TOKEN]),
  });
}

describe('scanForLeaks', () => {
  it('passes what may be shown: humanIds and publicTokens in answers, the clientId anywhere', () => {
    const findings = scan(
      [`{"level":"INFO","humanId":"${HUMAN_ID}","clientId":"${LOCAL_CLIENT_ID}"}`],
      [answer(JSON.stringify({ humanId: HUMAN_ID, clientUserId: 'x', publicToken: PUBLIC_TOKEN }))],
    );

    expect(findings).toEqual([]);
  });

  it('finds each known secret or token in a log line, in any case, even inside a longer hex run', () => {
    const findings = scan(
      [
        `{"message":"${SECRET}"}`,
        `{"message":"token=${ACCESS_TOKEN.toUpperCase()}"}`,
        `{"message":"0f${PUBLIC_TOKEN}"}`,
        `{"message":"${SESSION_TOKEN}"}`,
      ],
      [],
    );

    expect(findings.map((finding) => finding.kind)).toEqual(['secret', 'accessToken', 'publicToken', 'sessionToken']);
    expect(JSON.stringify(findings)).not.toContain(SECRET);
  });

  it('finds an unknown token-shaped string: 32+ hex characters in a log, 40+ in an answer', () => {
    const findings = scan([`{"message":"${'e'.repeat(32)}"}`], [answer(`{"x":"${'f'.repeat(40)}"}`)]);

    expect(findings.map((finding) => finding.kind)).toEqual([
      'unidentified 32+ hex token',
      'unidentified 40+ hex token',
    ]);
  });

  it('finds an accessToken or secret in an answer, and answers without the security headers', () => {
    const findings = scan(
      [],
      [
        answer(`{"detail":"${SECRET}"}`),
        answer(`{"accessToken":"${ACCESS_TOKEN}"}`),
        answer('{}', { 'content-type': 'application/json' }, '/public-tokens'),
      ],
    );

    expect(findings.map((finding) => finding.kind)).toEqual([
      'secret',
      'accessToken or clientSecret field',
      'accessToken',
      'missing Cache-Control: no-store',
      'missing X-Content-Type-Options: nosniff',
    ]);
  });

  it('treats the data gateway\u2019s answers as the API\u2019s: headers checked, a token field or token found', () => {
    const gateway = '/users/alice/human/activities/summaries';
    const findings = scan(
      [],
      [
        answer('[]', { 'content-type': 'application/json' }, gateway),
        answer(`[{"access_token":"${ACCESS_TOKEN}"}]`, safeHeaders, gateway),
        answer(`[{"note":"${'e'.repeat(40)}"}]`, safeHeaders, gateway),
      ],
    );

    expect(findings.map((finding) => finding.kind)).toEqual([
      'missing Cache-Control: no-store',
      'missing X-Content-Type-Options: nosniff',
      'accessToken or clientSecret field',
      'accessToken',
      'unidentified 40+ hex token',
    ]);
  });

  it('lets an error name a parameter access_token, and API Gateway\u2019s own refusals carry its headers', () => {
    const refusal = {
      method: 'GET',
      status: 403,
      headers: { 'content-type': 'application/json' },
      body: '{"message":"Forbidden"}',
    };
    const findings = scan(
      [],
      [
        answer(
          '{"errors":[{"path":"query.access_token","message":"is not a parameter"}]}',
          safeHeaders,
          '/users/a/human/profile',
        ),
        { ...refusal, path: '/users/a/human/profile' },
        { ...refusal, path: '/public-tokens' },
      ],
    );

    expect(findings).toEqual([]);
  });

  it('checks the notification receiver\u2019s answers as the API\u2019s, and names their path without its secret', () => {
    const pathSecret = '0f1e2d3c4b5a69788796a5b4c3d2e1f0aabbccddeeff0011';
    const findings = scanForLeaks({
      logLines: [`{"message":"POST /notifications/${pathSecret}"}`],
      responses: [answer('{"accepted":1}', { 'content-type': 'application/json' }, `/notifications/${pathSecret}`)],
      secrets: new Set([pathSecret]),
    });

    expect(findings).toEqual([
      { where: 'log', kind: 'secret', hint: '0f1e\u2026 (48 chars)' },
      { where: 'response', kind: 'missing Cache-Control: no-store', hint: '/notifications/\u2026' },
      { where: 'response', kind: 'missing X-Content-Type-Options: nosniff', hint: '/notifications/\u2026' },
    ]);
  });

  it('treats /connect-tokens answers as token responses: headers checked, an access-token field found', () => {
    const findings = scan(
      [],
      [
        answer('{"token":"t","mode":"edit"}', { 'content-type': 'application/json' }, '/connect-tokens'),
        answer(`{"access_token":"${ACCESS_TOKEN}"}`, safeHeaders, '/connect-tokens'),
      ],
    );

    expect(findings.map((finding) => finding.kind)).toEqual([
      'missing Cache-Control: no-store',
      'missing X-Content-Type-Options: nosniff',
      'accessToken or clientSecret field',
      'accessToken',
    ]);
  });

  it('treats DELETE /users/{clientUserId} answers as token responses, whatever the user in the path', () => {
    const findings = scan(
      [],
      [
        {
          ...answer('{"deleted":{}}', { 'content-type': 'application/json' }, '/users/alice%40example.com'),
          method: 'DELETE',
        },
        {
          ...answer(`{"publicToken":"${PUBLIC_TOKEN}","accessToken":"${ACCESS_TOKEN}"}`, safeHeaders, '/users/me'),
          method: 'DELETE',
        },
      ],
    );

    expect(findings.map((finding) => finding.kind)).toEqual([
      'missing Cache-Control: no-store',
      'missing X-Content-Type-Options: nosniff',
      'accessToken or clientSecret field',
      'accessToken',
    ]);
  });
});
