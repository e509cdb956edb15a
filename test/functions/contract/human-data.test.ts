/**
 * What the data gateway sends on and what it refuses (docs/api.md#get-usersclientuseridhumanpath):
 * tables of accepted and refused paths and queries, each refusal naming what is wrong.
 */
import { describe, expect, it } from 'vitest';
import { checkHumanDataRequest, HUMAN_DATA_ENDPOINTS } from '../../../functions/contract/human-data.js';

const check = (path: string, query = '') => checkHumanDataRequest(path, new URLSearchParams(query));

describe('checkHumanDataRequest: paths', () => {
  it.each([
    ['profile', '/v1/human/profile'],
    ['sources', '/v1/human/sources'],
    ['activities', '/v1/human/activities'],
    ['activities/summaries', '/v1/human/activities/summaries'],
    ['activities/summaries/2026-01-31', '/v1/human/activities/summaries/{id}'],
    ['activities/550fe4b68c34cc6661f46f7f', '/v1/human/activities/{id}'],
    ['sleeps/summaries', '/v1/human/sleeps/summaries'],
    ['heart_rate', '/v1/human/heart_rate'],
    ['heart_rate/readings', '/v1/human/heart_rate/readings'],
    ['heart_rate/readings/550b8a8e834dd16f259683b2', '/v1/human/heart_rate/readings/{id}'],
    ['blood_pressure/readings', '/v1/human/blood_pressure/readings'],
    ['food/meals', '/v1/human/food/meals'],
    ['locations/abc_DEF-123', '/v1/human/locations/{id}'],
  ])('accepts %s as %s', (path, pathTemplate) => {
    expect(check(path)).toMatchObject({ path, pathTemplate });
  });

  it('serves every endpoint the data sandbox serves', () => {
    const templates = HUMAN_DATA_ENDPOINTS.map((endpoint) => endpoint.template);

    expect(templates).toEqual(
      expect.arrayContaining(['profile', 'sources', 'activities/summaries', 'sleeps/summaries', 'heart_rate/readings']),
    );
  });

  const segments = 'must be 1 to 4 segments of letters, digits, _ and - (no empty, dot or encoded segment)';
  const unknown = 'must be a Human API data endpoint this gateway serves (docs/api.md)';
  it.each([
    ['', segments],
    ['/profile', segments],
    ['profile/', segments],
    ['activities//summaries', segments],
    ['.', segments],
    ['..', segments],
    ['../profile', segments],
    ['activities/../profile', segments],
    ['activities/./summaries', segments],
    ['activities%2Fsummaries', segments],
    ['%2e%2e', segments],
    ['https://evil.example/v1/human/profile', segments],
    ['//evil.example/profile', segments],
    ['evil.example', segments],
    ['profile?x=1', segments],
    ['profile#x', segments],
    ['profile;x', segments],
    ['pro file', segments],
    ['profile\u0000', segments],
    ['profil\u00e9', segments],
    ['a/b/c/d/e', segments],
    [`activities/${'a'.repeat(65)}`, segments],
    ['v1/human/profile', unknown],
    ['human/profile', unknown],
    ['apps/users/activities', unknown],
    ['Profile', unknown],
    ['profile/extra', unknown],
    ['activities/summaries/2026-01-31/more', unknown],
    ['medical/profile', unknown],
  ])('refuses the path %j, naming path.path', (path, message) => {
    expect(check(path)).toEqual([{ path: 'path.path', message }]);
  });
});

describe('checkHumanDataRequest: the query of a list', () => {
  it.each([
    ['', ''],
    ['limit=1', 'limit=1'],
    ['limit=500&offset=0', 'limit=500&offset=0'],
    ['offset=1000000000', 'offset=1000000000'],
    ['updated_since=20260131T080000Z', 'updated_since=20260131T080000Z'],
    ['created_since=2026-01-31T08:00:00Z', 'created_since=2026-01-31T08%3A00%3A00Z'],
    ['created_before=2026-01-31T08:00:00.123%2B01:00', 'created_before=2026-01-31T08%3A00%3A00.123%2B01%3A00'],
    ['updated_before=2026-01-31', 'updated_before=2026-01-31'],
    ['start_date=2026-01-01&end_date=2026-01-31', 'start_date=2026-01-01&end_date=2026-01-31'],
    ['start_date=2026-01-31&end_date=2026-01-31', 'start_date=2026-01-31&end_date=2026-01-31'],
    ['source=fitbit', 'source=fitbit'],
    ['source=55a83bdc8d1eb1420aa1a71b', 'source=55a83bdc8d1eb1420aa1a71b'],
    // Sent on in one order, whatever order they came in.
    ['source=demo-lab&offset=50&limit=50', 'limit=50&offset=50&source=demo-lab'],
  ])('accepts %j, sending on %j', (query, sent) => {
    const target = check('activities/summaries', query);

    expect(Array.isArray(target)).toBe(false);
    expect(Array.isArray(target) ? undefined : target.query.toString()).toBe(sent);
  });

  it.each([
    ['limit=0', 'query.limit', 'must be a whole number from 1 to 500'],
    ['limit=501', 'query.limit', 'must be a whole number from 1 to 500'],
    ['limit=', 'query.limit', 'must be a whole number from 1 to 500'],
    ['limit=-1', 'query.limit', 'must be a whole number from 1 to 500'],
    ['limit=1.5', 'query.limit', 'must be a whole number from 1 to 500'],
    ['limit=1e2', 'query.limit', 'must be a whole number from 1 to 500'],
    ['limit=%2010', 'query.limit', 'must be a whole number from 1 to 500'],
    ['limit=0x10', 'query.limit', 'must be a whole number from 1 to 500'],
    ['offset=-1', 'query.offset', 'must be a whole number from 0 to 1000000000'],
    ['offset=1000000001', 'query.offset', 'must be a whole number from 0 to 1000000000'],
    ['offset=99999999999999999999', 'query.offset', 'must be a whole number from 0 to 1000000000'],
    ['updated_since=yesterday', 'query.updated_since', expect.stringMatching(/^must be a UTC time/)],
    ['updated_since=20260230T080000Z', 'query.updated_since', expect.stringMatching(/^must be a UTC time/)],
    ['created_since=2026-01-31T24:00:00Z', 'query.created_since', expect.stringMatching(/^must be a UTC time/)],
    ['created_before=2026-13-01', 'query.created_before', expect.stringMatching(/^must be a UTC time/)],
    ['updated_before=1706688000', 'query.updated_before', expect.stringMatching(/^must be a UTC time/)],
    ['start_date=2026-01-01', 'query.end_date', 'is required with start_date'],
    ['end_date=2026-01-31', 'query.start_date', 'is required with end_date'],
    ['start_date=2026-02-01&end_date=2026-01-31', 'query.end_date', 'must not be before start_date'],
    ['start_date=2026-02-30&end_date=2026-03-01', 'query.start_date', 'must be a date as YYYY-MM-DD'],
    ['start_date=20260101&end_date=2026-03-01', 'query.start_date', 'must be a date as YYYY-MM-DD'],
    ['source=', 'query.source', 'must be a source name or id (letters, digits, _ . -)'],
    ['source=../x', 'query.source', 'must be a source name or id (letters, digits, _ . -)'],
    ['source=a%20b', 'query.source', 'must be a source name or id (letters, digits, _ . -)'],
    ['limit=1&limit=2', 'query.limit', 'must be given once'],
    ['source=a&source=a', 'query.source', 'must be given once'],
    ['access_token=abc', 'query.access_token', 'is not a parameter of a list of Human API documents'],
    ['LIMIT=10', 'query.LIMIT', 'is not a parameter of a list of Human API documents'],
    ['__proto__=x', 'query.__proto__', 'is not a parameter of a list of Human API documents'],
    ['constructor=x', 'query.constructor', 'is not a parameter of a list of Human API documents'],
    ['=x', 'query', 'is not a parameter of a list of Human API documents'],
    ['li%00mit=1', 'query', 'is not a parameter of a list of Human API documents'],
    ['limit[]=1', 'query', 'is not a parameter of a list of Human API documents'],
  ])('refuses %j, naming %s', (query, path, message) => {
    expect(check('activities/summaries', query)).toEqual([{ path, message }]);
  });

  it('names every parameter at fault at once', () => {
    expect(check('sleeps/summaries', 'limit=0&offset=x&color=red')).toEqual([
      { path: 'query.limit', message: 'must be a whole number from 1 to 500' },
      { path: 'query.offset', message: 'must be a whole number from 0 to 1000000000' },
      { path: 'query.color', message: 'is not a parameter of a list of Human API documents' },
    ]);
  });

  it('refuses a query too long or of too many parameters, before reading them', () => {
    const many = Array.from({ length: 17 }, (_, index) => `p${index}=1`).join('&');

    expect(check('sources', `source=${'a'.repeat(2100)}`)).toEqual([
      { path: 'query', message: 'must be at most 2048 characters and 16 parameters' },
    ]);
    expect(check('sources', many)).toEqual([
      { path: 'query', message: 'must be at most 2048 characters and 16 parameters' },
    ]);
  });
});

describe('checkHumanDataRequest: the query of a single record', () => {
  it('accepts none', () => {
    expect(check('profile')).toMatchObject({ pathTemplate: '/v1/human/profile' });
  });

  it.each([['limit=10'], ['source=fitbit'], ['start_date=2026-01-01&end_date=2026-01-31']])(
    'refuses %j: a record takes no list parameter',
    (query) => {
      const issues = check('activities/summaries/2026-01-31', query);

      expect(Array.isArray(issues) ? issues.map((issue) => issue.message) : issues).toEqual(
        expect.arrayContaining(['is not a parameter of a single record (lists take parameters)']),
      );
    },
  );
});
