/**
 * The data API sandbox (docs/local-mode.md#data-api-sandbox), driven over a loopback server with
 * the v1 and current-generation sandboxes in memory beside it, as local mode mounts them. Its
 * history counts back from a fixed clock, 2025-03-15 at noon (UTC): 90 days, 2024-12-15 to
 * 2025-03-14, newest first.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { close, listen } from '../../local/http-util.js';
import { createHumanApiSandbox, type HumanApiSandbox } from '../../local/sandbox/human-api.js';
import { createHumanApiAuthSandbox, type HumanApiAuthSandbox } from '../../local/sandbox/human-api-auth.js';
import { createHumanApiDataSandbox, type HumanApiDataSandbox } from '../../local/sandbox/human-data.js';
import { post } from '../support/http.js';

const clientId = 'c'.repeat(40);
const NOON_2025_03_15 = Date.parse('2025-03-15T12:00:00.000Z');
const DATA = '/sandbox/humanapi-data';

/** The three sandboxes behind one loopback server, routed as local/server.ts routes them. */
interface Sandboxes {
  readonly base: string;
  readonly v1: HumanApiSandbox;
  readonly auth: HumanApiAuthSandbox;
  readonly data: HumanApiDataSandbox;
  close(): Promise<void>;
}

const opened: Sandboxes[] = [];

async function startSandboxes({
  stateDir,
  now = () => NOON_2025_03_15,
  statsHook = true,
}: {
  stateDir?: string;
  now?: () => number;
  statsHook?: boolean;
} = {}): Promise<Sandboxes> {
  const v1 = createHumanApiSandbox({
    clientId,
    statePath: stateDir === undefined ? undefined : join(stateDir, 'sandbox.json'),
    onSecretRotated: () => {},
  });
  const auth = createHumanApiAuthSandbox({
    clientId,
    v1,
    statePath: stateDir === undefined ? undefined : join(stateDir, 'sandbox-auth.json'),
  });
  const data = createHumanApiDataSandbox({ v1, auth, statsHook, now });
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (data.owns(path)) void data.handle(request, response, path);
    else if (auth.owns(path)) void auth.handle(request, response, path);
    else void v1.handle(request, response, path.slice('/sandbox/humanapi'.length));
  });
  const base = `http://127.0.0.1:${await listen(server, 0)}`;
  const sandboxes = { base, v1, auth, data, close: () => close(server) };
  opened.push(sandboxes);
  return sandboxes;
}

/** A user who finished a v1 session: the access token Human API's exchange answered. */
async function v1AccessToken({ base, v1 }: Sandboxes, clientUserId: string): Promise<string> {
  const session = v1.mintSession(clientUserId);
  const exchanged = await post(`${base}/sandbox/humanapi/v1/connect/tokens`, {
    ...session,
    clientSecret: v1.clientSecret,
  });
  expect(exchanged.status).toBe(201);
  return String(exchanged.json.accessToken);
}

/** A user who connected `sources` in the current generation's popup: an access token minted for them. */
async function mintedAccessToken(
  { base, v1 }: Sandboxes,
  clientUserId: string,
  sources: readonly string[] = ['demo-fitness-tracker'],
): Promise<string> {
  const token = (type: string, extra: Record<string, unknown> = {}) =>
    post(`${base}/sandbox/humanapi-auth/v1/connect/token`, {
      client_id: clientId,
      client_secret: v1.clientSecret,
      client_user_id: clientUserId,
      type,
      ...extra,
    });
  const session = await token('session', { client_user_email: `${clientUserId}@example.com` });
  for (const source of sources) {
    await post(`${base}/sandbox/humanapi-auth/connect/complete`, { token: session.json.session_token, source });
  }
  const access = await token('access');
  expect(access.status).toBe(200);
  return String(access.json.access_token);
}

type Row = Record<string, unknown>;

/** GETs a data path, with a bearer token when given. */
async function get(url: string, token?: string) {
  const response = await fetch(url, {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(10_000),
  });
  const json: unknown = JSON.parse(await response.text());
  return { status: response.status, headers: response.headers, json, rows: (Array.isArray(json) ? json : []) as Row[] };
}

let shared: Sandboxes;
let aliceToken: string;
let aliceHumanId: string;

beforeAll(async () => {
  shared = await startSandboxes();
  aliceToken = await v1AccessToken(shared, 'alice');
  aliceHumanId = shared.v1.findUser('alice')?.humanId ?? '';
});

afterEach(() => {
  shared.v1.clearFaults();
});

afterAll(async () => {
  await Promise.all(opened.map((sandboxes) => sandboxes.close()));
});

const dataUrl = (path: string) => `${shared.base}${DATA}/v1/human${path}`;
const dates = (rows: Row[]) => rows.map((row) => row.date);

describe('data API sandbox: the endpoints', () => {
  it('serves the profile of the token’s user, with no real personal data', async () => {
    const answer = await get(dataUrl('/profile'), aliceToken);

    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(answer.headers.get('x-total-count')).toBeNull();
    expect(answer.json).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      humanId: aliceHumanId,
      userId: expect.stringMatching(/^[0-9a-f]{24}$/),
      email: expect.stringMatching(/^[0-9a-f]{12}@example\.invalid$/),
      createdAt: '2024-12-15T00:00:00.000Z',
      updatedAt: '2024-12-15T00:00:00.000Z',
    });
    expect(JSON.stringify(answer.json)).not.toContain('alice');
  });

  it('lists a v1 user’s connection as the default source', async () => {
    const answer = await get(dataUrl('/sources'), aliceToken);

    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-total-count')).toBe('1');
    expect(answer.json).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f]{24}$/),
        source: 'demo-health-system',
        devices: [],
        createdAt: '2024-12-15T00:00:00.000Z',
        updatedAt: '2025-03-15T00:00:00.000Z',
      },
    ]);
  });

  it('lists the sources a current-generation user connected, in the order connected', async () => {
    const token = await mintedAccessToken(shared, 'bianca', ['demo-lab', 'demo-fitness-tracker']);

    const answer = await get(dataUrl('/sources'), token);

    expect(answer.rows.map((row) => row.source)).toEqual(['demo-lab', 'demo-fitness-tracker']);
  });

  it('serves one activity summary per day, newest first, from yesterday back 90 days', async () => {
    const answer = await get(`${dataUrl('/activities/summaries')}?limit=500`, aliceToken);

    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-total-count')).toBe('90');
    expect(answer.rows).toHaveLength(90);
    expect(answer.rows[0]?.date).toBe('2025-03-14');
    expect(answer.rows[89]?.date).toBe('2024-12-15');
    expect(answer.rows[0]).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      date: '2025-03-14',
      source: 'demo-health-system',
      duration: expect.any(Number),
      distance: expect.any(Number),
      steps: expect.any(Number),
      calories: expect.any(Number),
      sedentary: expect.any(Number),
      light: expect.any(Number),
      moderate: expect.any(Number),
      vigorous: expect.any(Number),
      createdAt: expect.stringMatching(/^2025-03-14T(1[89]|2[0-3]):\d{2}:00\.000Z$/),
      updatedAt: expect.stringMatching(/^2025-03-14T(1[89]|2[0-3]):\d{2}:00\.000Z$/),
      humanId: aliceHumanId,
    });
    for (const row of answer.rows) {
      expect(row.duration).toBe(Number(row.light) + Number(row.moderate) + Number(row.vigorous));
      expect(row.steps).toBeGreaterThanOrEqual(2000);
      expect(row.steps).toBeLessThan(14_000);
      expect(Number(row.distance)).toBeGreaterThan(Number(row.steps) * 0.69);
      expect(Number(row.distance)).toBeLessThan(Number(row.steps) * 0.81);
    }
  });

  it('serves one sleep summary per night, efficiency between 0 and 1', async () => {
    const answer = await get(`${dataUrl('/sleeps/summaries')}?limit=500`, aliceToken);

    expect(answer.headers.get('x-total-count')).toBe('90');
    expect(answer.rows[0]).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      date: '2025-03-14',
      source: 'demo-health-system',
      timeAsleep: expect.any(Number),
      timeAwake: expect.any(Number),
      efficiency: expect.any(Number),
      timeToFallAsleep: expect.any(Number),
      numberOfTimesWoken: expect.any(Number),
      createdAt: expect.stringMatching(/^2025-03-14T/),
      updatedAt: expect.stringMatching(/^2025-03-14T/),
      humanId: aliceHumanId,
    });
    for (const row of answer.rows) {
      expect(row.efficiency).toBeGreaterThan(0);
      expect(row.efficiency).toBeLessThanOrEqual(1);
      expect(row.timeAsleep).toBeGreaterThanOrEqual(300);
      expect(row.timeAsleep).toBeLessThan(540);
    }
  });

  it('serves several heart-rate readings a day, newest first', async () => {
    const answer = await get(
      `${dataUrl('/heart_rate/readings')}?start_date=2025-03-14&end_date=2025-03-14`,
      aliceToken,
    );

    expect(answer.status).toBe(200);
    expect(answer.rows.length).toBeGreaterThanOrEqual(4);
    expect(answer.rows.length).toBeLessThanOrEqual(8);
    expect(answer.rows[0]).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      timestamp: expect.stringMatching(/^2025-03-14T\d{2}:\d{2}:00\.000Z$/),
      value: expect.any(Number),
      unit: 'bpm',
      source: 'demo-health-system',
      createdAt: expect.stringMatching(/^2025-03-14T/),
      updatedAt: expect.stringMatching(/^2025-03-14T/),
      humanId: aliceHumanId,
    });
    const timestamps = answer.rows.map((row) => String(row.timestamp));
    expect(timestamps).toEqual([...timestamps].sort().reverse());
    for (const row of answer.rows) {
      expect(row.value).toBeGreaterThanOrEqual(55);
      expect(row.value).toBeLessThan(100);
    }
  });

  it('answers 404 to an unknown data path', async () => {
    for (const path of ['/unknown', '/activities', '/profile/']) {
      const answer = await get(dataUrl(path), aliceToken);

      expect({ path, status: answer.status, json: answer.json }).toEqual({
        path,
        status: 404,
        json: { error: 'Not Found' },
      });
    }
  });

  it.each(['POST', 'PUT', 'DELETE', 'OPTIONS'])('answers 405 to %s', async (method) => {
    const response = await fetch(dataUrl('/profile'), {
      method,
      headers: { authorization: `Bearer ${aliceToken}` },
    });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
  });
});

describe('data API sandbox: deterministic synthetic data', () => {
  let stateDir: string;

  beforeAll(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'human-data-'));
  });

  afterAll(() => {
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('gives the same user the same data on another sandbox instance', async () => {
    const first = await startSandboxes({ stateDir });
    const token = await v1AccessToken(first, 'carla');
    // A second instance over the same state: a restarted local mode, the same humanId and token.
    const second = await startSandboxes({ stateDir });

    for (const path of ['/profile', '/activities/summaries', '/sleeps/summaries', '/heart_rate/readings']) {
      const one = await get(`${first.base}${DATA}/v1/human${path}?limit=500`, token);
      const other = await get(`${second.base}${DATA}/v1/human${path}?limit=500`, token);

      expect(other.status).toBe(200);
      expect({ path, json: other.json }).toEqual({ path, json: one.json });
    }
  });

  it('gives another user other data', async () => {
    const bob = await v1AccessToken(shared, 'bob');

    const alices = await get(dataUrl('/activities/summaries'), aliceToken);
    const bobs = await get(dataUrl('/activities/summaries'), bob);

    expect(dates(bobs.rows)).toEqual(dates(alices.rows));
    expect(bobs.rows.map((row) => row.steps)).not.toEqual(alices.rows.map((row) => row.steps));
    expect(bobs.rows.map((row) => row.id)).not.toEqual(alices.rows.map((row) => row.id));
  });

  it('keeps a day’s record the same as the days go by', async () => {
    const dayLater = await startSandboxes({ stateDir, now: () => NOON_2025_03_15 + 86_400_000 });
    const token = await v1AccessToken(dayLater, 'dora');
    const today = await startSandboxes({ stateDir });
    const march10 = '?start_date=2025-03-10&end_date=2025-03-10';

    const then = await get(`${today.base}${DATA}/v1/human/activities/summaries${march10}`, token);
    const later = await get(`${dayLater.base}${DATA}/v1/human/activities/summaries${march10}`, token);
    const newest = await get(`${dayLater.base}${DATA}/v1/human/activities/summaries?limit=1`, token);

    expect(later.rows).toHaveLength(1);
    expect(later.rows).toEqual(then.rows);
    expect(dates(newest.rows)).toEqual(['2025-03-15']);
  });
});

describe('data API sandbox: paging', () => {
  let activities: string;
  beforeAll(() => {
    activities = dataUrl('/activities/summaries');
  });

  it('pages 50 records by default, with the total and a link to the next page', async () => {
    const answer = await get(activities, aliceToken);

    expect(answer.rows).toHaveLength(50);
    expect(answer.rows[49]?.date).toBe('2025-01-24');
    expect(answer.headers.get('x-total-count')).toBe('90');
    expect(answer.headers.get('link')).toBe(`<${activities}?limit=50&offset=50>; rel="next"`);
  });

  it('answers the page limit and offset name, with links to the next and previous pages', async () => {
    const answer = await get(`${activities}?limit=20&offset=20`, aliceToken);

    expect(answer.rows).toHaveLength(20);
    expect(answer.rows[0]?.date).toBe('2025-02-22');
    expect(answer.headers.get('x-total-count')).toBe('90');
    expect(answer.headers.get('link')).toBe(
      `<${activities}?limit=20&offset=40>; rel="next", <${activities}?limit=20&offset=0>; rel="prev"`,
    );
  });

  it('links no next page from the last one', async () => {
    const answer = await get(`${activities}?limit=20&offset=80`, aliceToken);

    expect(dates(answer.rows)).toEqual([
      '2024-12-24',
      '2024-12-23',
      '2024-12-22',
      '2024-12-21',
      '2024-12-20',
      '2024-12-19',
      '2024-12-18',
      '2024-12-17',
      '2024-12-16',
      '2024-12-15',
    ]);
    expect(answer.headers.get('link')).toBe(`<${activities}?limit=20&offset=60>; rel="prev"`);
  });

  it('links the first page as the previous one from an offset below the limit', async () => {
    const answer = await get(`${activities}?limit=20&offset=5`, aliceToken);

    expect(answer.rows[0]?.date).toBe('2025-03-09');
    expect(answer.headers.get('link')).toBe(
      `<${activities}?limit=20&offset=25>; rel="next", <${activities}?limit=20&offset=0>; rel="prev"`,
    );
  });

  it('keeps the filters in the links', async () => {
    const answer = await get(`${activities}?source=demo-health-system&limit=10`, aliceToken);

    expect(answer.headers.get('link')).toBe(`<${activities}?source=demo-health-system&limit=10&offset=10>; rel="next"`);
  });

  it('accepts a limit of 500 and refuses 501, naming limit', async () => {
    const most = await get(`${activities}?limit=500`, aliceToken);
    const tooMany = await get(`${activities}?limit=501`, aliceToken);

    expect(most.status).toBe(200);
    expect(tooMany.status).toBe(400);
    expect(tooMany.json).toEqual({ error: 'Bad Request', message: 'limit must be an integer from 1 to 500' });
  });

  it.each([
    ['limit=0', 'limit must be an integer from 1 to 500'],
    ['limit=ten', 'limit must be an integer from 1 to 500'],
    ['limit=1.5', 'limit must be an integer from 1 to 500'],
    ['offset=-1', 'offset must be an integer of 0 or more'],
    ['updated_since=yesterday', 'updated_since must be a UTC time as YYYYMMDDTHHmmssZ or ISO 8601'],
    ['created_since=20250230T000000Z', 'created_since must be a UTC time as YYYYMMDDTHHmmssZ or ISO 8601'],
    ['created_before=2025-03-01T25:00:00Z', 'created_before must be a UTC time as YYYYMMDDTHHmmssZ or ISO 8601'],
    ['updated_before=', 'updated_before must be a UTC time as YYYYMMDDTHHmmssZ or ISO 8601'],
    ['start_date=2025-03-01', 'start_date and end_date are used together: end_date is missing'],
    ['end_date=2025-03-01', 'start_date and end_date are used together: start_date is missing'],
    ['start_date=2025-02-30&end_date=2025-03-01', 'start_date must be a date as YYYY-MM-DD'],
    ['start_date=2025-03-01&end_date=20250302', 'end_date must be a date as YYYY-MM-DD'],
    ['start_date=2025-03-02&end_date=2025-03-01', 'start_date must not be after end_date'],
    ['source=', 'source must be a source id'],
  ])('refuses %s with 400 naming the parameter', async (query, message) => {
    const answer = await get(`${activities}?${query}`, aliceToken);

    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ error: 'Bad Request', message });
  });

  it('ignores parameters Human API does not document', async () => {
    const answer = await get(`${activities}?fields=steps&sort=asc`, aliceToken);

    expect(answer.status).toBe(200);
    expect(answer.rows[0]?.date).toBe('2025-03-14');
  });
});

describe('data API sandbox: filters', () => {
  let activities: string;
  beforeAll(() => {
    activities = dataUrl('/activities/summaries');
  });

  it.each([
    ['Human API’s format', '20250313T000000Z'],
    ['ISO 8601', '2025-03-13T00:00:00Z'],
    ['ISO 8601 with an offset', '2025-03-13T01:00:00+01:00'],
    ['an ISO 8601 date', '2025-03-13'],
  ])('keeps records updated since a time in %s', async (_format, since) => {
    const answer = await get(`${activities}?updated_since=${encodeURIComponent(since)}`, aliceToken);

    expect(dates(answer.rows)).toEqual(['2025-03-14', '2025-03-13']);
    expect(answer.headers.get('x-total-count')).toBe('2');
    expect(answer.headers.get('link')).toBeNull();
  });

  it('keeps records created or updated before a time', async () => {
    const created = await get(`${activities}?created_before=20241216T000000Z`, aliceToken);
    const updated = await get(`${activities}?updated_before=2024-12-17`, aliceToken);

    expect(dates(created.rows)).toEqual(['2024-12-15']);
    expect(dates(updated.rows)).toEqual(['2024-12-16', '2024-12-15']);
  });

  it('counts a record updated exactly at updated_since in, and exactly at updated_before out', async () => {
    const [newest] = (await get(`${activities}?limit=1`, aliceToken)).rows;
    const at = encodeURIComponent(String(newest?.updatedAt));

    const since = await get(`${activities}?updated_since=${at}`, aliceToken);
    const before = await get(`${activities}?updated_before=${at}&limit=1`, aliceToken);

    expect(dates(since.rows)).toEqual(['2025-03-14']);
    expect(dates(before.rows)).toEqual(['2025-03-13']);
  });

  it('keeps the days from start_date to end_date, both included', async () => {
    const summaries = await get(`${activities}?start_date=2025-03-01&end_date=2025-03-03`, aliceToken);
    const readings = await get(
      `${dataUrl('/heart_rate/readings')}?start_date=2025-03-01&end_date=2025-03-03&limit=500`,
      aliceToken,
    );

    expect(dates(summaries.rows)).toEqual(['2025-03-03', '2025-03-02', '2025-03-01']);
    expect(summaries.headers.get('x-total-count')).toBe('3');
    expect(new Set(readings.rows.map((row) => String(row.timestamp).slice(0, 10)))).toEqual(
      new Set(['2025-03-01', '2025-03-02', '2025-03-03']),
    );
  });

  it('keeps one source’s records', async () => {
    const token = await mintedAccessToken(shared, 'carmen', ['demo-fitness-tracker', 'demo-lab']);

    const all = await get(`${dataUrl('/sleeps/summaries')}?limit=500`, token);
    const lab = await get(`${dataUrl('/sleeps/summaries')}?limit=500&source=demo-lab`, token);
    const labSources = await get(`${dataUrl('/sources')}?source=demo-lab`, token);
    const none = await get(`${dataUrl('/sleeps/summaries')}?source=demo-pharmacy`, token);

    expect(all.headers.get('x-total-count')).toBe('180');
    expect(dates(all.rows.slice(0, 4))).toEqual(['2025-03-14', '2025-03-14', '2025-03-13', '2025-03-13']);
    expect(lab.headers.get('x-total-count')).toBe('90');
    expect(new Set(lab.rows.map((row) => row.source))).toEqual(new Set(['demo-lab']));
    expect(labSources.rows.map((row) => row.source)).toEqual(['demo-lab']);
    expect(none.json).toEqual([]);
    expect(none.headers.get('x-total-count')).toBe('0');
  });
});

describe('data API sandbox: access tokens', () => {
  it('accepts a v1 access token and a minted one', async () => {
    const minted = await mintedAccessToken(shared, 'dana');

    const v1 = await get(dataUrl('/profile'), aliceToken);
    const current = await get(dataUrl('/profile'), minted);

    expect(v1.status).toBe(200);
    expect(current.status).toBe(200);
    expect((current.json as Row).humanId).toBe(shared.v1.findUser('dana')?.humanId);
  });

  it.each([
    ['no Authorization', undefined, 'Missing bearer token'],
    ['an unknown token', 'ab'.repeat(20), 'Invalid access token'],
    ['a prototype key', '__proto__', 'Invalid access token'],
  ])('answers 401 to %s', async (_case, token, message) => {
    const answer = await get(dataUrl('/activities/summaries'), token);

    expect(answer.status).toBe(401);
    expect(answer.json).toEqual({ error: 'Unauthorized', message });
    expect(answer.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('answers 401 to a token of another kind (a session token, an id_token)', async () => {
    const session = await post(`${shared.base}/sandbox/humanapi-auth/v1/connect/token`, {
      client_id: clientId,
      client_secret: shared.v1.clientSecret,
      client_user_id: 'erin',
      client_user_email: 'erin@example.com',
      type: 'session',
    });

    const answer = await get(dataUrl('/profile'), String(session.json.session_token));

    expect(answer.status).toBe(401);
  });

  it('answers 401 to a minted token once the auth sandbox’s clock passes its expiry', async () => {
    const own = await startSandboxes();
    const token = await mintedAccessToken(own, 'fiona');
    const before = await get(`${own.base}${DATA}/v1/human/profile`, token);

    await post(`${own.base}/sandbox/humanapi-auth/clock`, { advanceSeconds: 86_401 });
    const after = await get(`${own.base}${DATA}/v1/human/profile`, token);

    expect(before.status).toBe(200);
    expect(after.status).toBe(401);
    expect(after.json).toEqual({ error: 'Unauthorized', message: 'Access token expired' });
  });

  it('answers 401 to every token of a user whose access was revoked, and keeps other users’ working', async () => {
    const own = await startSandboxes();
    const v1Token = await v1AccessToken(own, 'gina');
    const minted = await mintedAccessToken(own, 'gina');
    const other = await v1AccessToken(own, 'hana');

    const revoked = [own.v1.revokeAccessTokens('gina'), own.auth.revokeAccessTokens('gina')];

    expect(revoked).toEqual([1, 1]);
    expect((await get(`${own.base}${DATA}/v1/human/profile`, v1Token)).status).toBe(401);
    expect((await get(`${own.base}${DATA}/v1/human/profile`, minted)).status).toBe(401);
    expect((await get(`${own.base}${DATA}/v1/human/profile`, other)).status).toBe(200);
  });

  it('reads v1 state saved before access tokens were kept', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'human-data-old-'));
    try {
      writeFileSync(
        join(stateDir, 'sandbox.json'),
        JSON.stringify({ clientSecret: 'f'.repeat(40), users: {}, humans: {}, sessions: {} }),
      );
      const old = await startSandboxes({ stateDir });

      const token = await v1AccessToken(old, 'iris');

      expect((await get(`${old.base}${DATA}/v1/human/profile`, token)).status).toBe(200);
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});

describe('data API sandbox: faults and counters', () => {
  it('answers a queued 500 once, then the data', async () => {
    shared.v1.queueFault({ status: 500 });

    const faulted = await get(dataUrl('/profile'), aliceToken);
    const next = await get(dataUrl('/profile'), aliceToken);

    expect(faulted.status).toBe(500);
    expect(next.status).toBe(200);
  });

  it('answers a queued 429 with its Retry-After', async () => {
    shared.v1.queueFault({ status: 429, retryAfter: 7 });

    const answer = await get(dataUrl('/activities/summaries'), aliceToken);

    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('7');
  });

  it('answers a queued body of the size asked for, larger than a hook body may be', async () => {
    shared.v1.queueFault({ bodyBytes: 5_000_000 });

    const answer = await get(dataUrl('/profile'), aliceToken);

    expect(answer.status).toBe(200);
    expect(Buffer.byteLength(JSON.stringify(answer.json))).toBe(5_000_000);
  });

  it('waits a queued delay before answering', async () => {
    shared.v1.queueFault({ delayMs: 300 });
    const started = performance.now();

    const answer = await get(dataUrl('/profile'), aliceToken);

    expect(answer.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('counts data calls, whatever they answer, and shows them on its stats hook', async () => {
    const own = await startSandboxes();
    await get(`${own.base}${DATA}/v1/human/profile`);
    await get(`${own.base}${DATA}/v1/human/sources`, 'unknown');
    await get(`${own.base}${DATA}/v1/human/unknown`);

    const stats = await get(`${own.base}${DATA}/stats`);

    expect(own.data.dataCalls).toBe(2);
    expect(stats.json).toEqual({ dataCalls: 2 });
  });

  it('has no stats hook when the hooks are off', async () => {
    const own = await startSandboxes({ statsHook: false });

    expect((await get(`${own.base}${DATA}/stats`)).status).toBe(404);
  });
});
