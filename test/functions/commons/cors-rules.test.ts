import { describe, expect, it } from 'vitest';
import { allowedOriginProblem } from '../../../functions/commons/cors-rules.js';

describe('allowedOriginProblem', () => {
  it.each([['https://app.example.com'], ['http://localhost:3001'], ['http://127.0.0.1:3001']])(
    'accepts the exact origin %s',
    (origin) => {
      expect(allowedOriginProblem(origin)).toBeUndefined();
    },
  );

  it.each([
    ['*', /no "\*"/],
    ['https://*.example.com', /no "\*"/],
    ['app.example.com', /not an origin/],
    ['ftp://app.example.com', /scheme:\/\/host\[:port\]/],
    ['https://app.example.com/', /e\.g\. "https:\/\/app\.example\.com"/],
    ['https://app.example.com/login', /no path/],
    ['HTTPS://APP.EXAMPLE.COM', /e\.g\. "https:\/\/app\.example\.com"/],
  ])('refuses %s', (origin, problem) => {
    expect(allowedOriginProblem(origin)).toMatch(problem);
  });
});
