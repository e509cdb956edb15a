import { describe, expect, it } from 'vitest';
import { corsHeaders, preflightHeaders } from '../../local/cors.js';

const allowed = ['http://127.0.0.1:3001', 'http://localhost:3001'];

describe('local CORS (the rules API Gateway applies when deployed)', () => {
  it('allows a listed origin, echoing it', () => {
    expect(corsHeaders('http://localhost:3001', allowed)).toEqual({
      'Access-Control-Allow-Origin': 'http://localhost:3001',
      'Access-Control-Expose-Headers': 'x-total-count,link',
      Vary: 'Origin',
    });
    expect(preflightHeaders('http://127.0.0.1:3001', allowed)).toMatchObject({
      'Access-Control-Allow-Origin': 'http://127.0.0.1:3001',
      'Access-Control-Allow-Methods': 'POST,GET,DELETE',
      'Access-Control-Allow-Headers': 'content-type,authorization',
    });
  });

  it.each([['http://evil.example'], ['http://127.0.0.1:3002'], ['null'], [undefined]])(
    'gives %s no CORS headers, so the browser blocks it',
    (origin) => {
      expect(corsHeaders(origin, allowed)).toEqual({ Vary: 'Origin' });
      expect(preflightHeaders(origin, allowed)).toEqual({ Vary: 'Origin' });
    },
  );
});
