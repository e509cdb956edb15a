/**
 * The data gateway's paging links (docs/api.md#get-usersclientuseridhumanpath): Human API's links
 * become this API's own path with a checked query; anything else is dropped, so Human API's host
 * never shows.
 */
import { describe, expect, it } from 'vitest';
import { checkHumanDataRequest, type HumanDataTarget } from '../../../functions/contract/human-data.js';
import { gatewayLinks } from '../../../functions/http/human-data.js';

const target = checkHumanDataRequest('activities/summaries', new URLSearchParams()) as HumanDataTarget;
const OWN = '/users/alice%40example.com/human/activities/summaries';
const UPSTREAM = 'https://api.humanapi.co/v1/human/activities/summaries';

describe('gatewayLinks', () => {
  it('rewrites next and prev to this API\u2019s path, keeping the checked query in order', () => {
    const link = `<${UPSTREAM}?offset=100&limit=50>; rel="next", <${UPSTREAM}?limit=50&offset=0>; rel="prev"`;

    expect(gatewayLinks(link, OWN, target)).toBe(
      `<${OWN}?limit=50&offset=100>; rel="next", <${OWN}?limit=50&offset=0>; rel="prev"`,
    );
  });

  it('reads a relative link, an unquoted relation and one in capitals, and first and last', () => {
    const link =
      '</v1/human/activities/summaries?offset=0>; rel=first, ' +
      '<http://127.0.0.1:3000/sandbox/humanapi-data/v1/human/activities/summaries?offset=450>; rel="LAST"';

    expect(gatewayLinks(link, OWN, target)).toBe(`<${OWN}?offset=0>; rel="first", <${OWN}?offset=450>; rel="last"`);
  });

  it('keeps a link without a query as the bare path', () => {
    expect(gatewayLinks(`<${UPSTREAM}>; rel="first"`, OWN, target)).toBe(`<${OWN}>; rel="first"`);
  });

  it.each([
    ['another endpoint', '<https://api.humanapi.co/v1/human/profile>; rel="next"'],
    ['another host\u2019s other path', '<https://evil.example/steal?offset=50>; rel="next"'],
    ['a query this API would refuse', `<${UPSTREAM}?offset=50&access_token=abc>; rel="next"`],
    ['a repeated parameter', `<${UPSTREAM}?offset=50&offset=60>; rel="next"`],
    ['another relation', `<${UPSTREAM}?offset=50>; rel="alternate"`],
    ['no relation', `<${UPSTREAM}?offset=50>`],
    ['a script URL', '<javascript:alert(1)>; rel="next"'],
    ['not a link at all', 'garbage'],
    ['an empty header', ''],
  ])('drops %s', (_, link) => {
    expect(gatewayLinks(link, OWN, target)).toBeUndefined();
  });

  it('keeps the first link of a relation given twice', () => {
    const link = `<${UPSTREAM}?offset=50>; rel="next", <${UPSTREAM}?offset=60>; rel="next"`;

    expect(gatewayLinks(link, OWN, target)).toBe(`<${OWN}?offset=50>; rel="next"`);
  });

  it('reads no header longer than 8 KiB', () => {
    const link = `<${UPSTREAM}?offset=50>; rel="next", ${'x'.repeat(8200)}`;

    expect(gatewayLinks(link, OWN, target)).toBeUndefined();
  });

  it('answers nothing without a header', () => {
    expect(gatewayLinks(undefined, OWN, target)).toBeUndefined();
  });
});
