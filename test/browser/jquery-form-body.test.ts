/**
 * The example page's form mode sends what jQuery's `$.post(url, obj)` sends.
 * Expected strings are the `$.param` examples of jQuery's documentation.
 */
import { describe, expect, it } from 'vitest';
import { toFormBody } from '../../web/src/api.js';

describe('toFormBody', () => {
  it('encodes a sessionTokenObject as key=value pairs in field order', () => {
    // Prepare
    const sessionTokenObject = {
      humanId: '5a4f3c2b1d0e9f8a7b6c5d4e',
      clientId: '0c1e4f2a9b7d3e5f6a8c0b1d2e3f4a5b6c7d8e9f',
      sessionToken: '9f8e7d6c5b4a39281706f5e4d3c2b1a0',
      userId: '5a4f3c2b1d0e9f8a7b6c5d4f',
    };

    // Act
    const body = toFormBody(sessionTokenObject).toString();

    // Assess
    expect(body).toBe(
      'humanId=5a4f3c2b1d0e9f8a7b6c5d4e&clientId=0c1e4f2a9b7d3e5f6a8c0b1d2e3f4a5b6c7d8e9f' +
        '&sessionToken=9f8e7d6c5b4a39281706f5e4d3c2b1a0&userId=5a4f3c2b1d0e9f8a7b6c5d4f',
    );
  });

  it('writes spaces as +, null as an empty value, and escapes reserved characters', () => {
    expect(toFormBody({ a: 'x y', b: null, c: 'a&b=c' }).toString()).toBe('a=x+y&b=&c=a%26b%3Dc');
  });

  it('writes arrays and nested objects in bracket form, as $.param does', () => {
    expect(toFormBody({ a: [1, 2, 3] }).toString()).toBe('a%5B%5D=1&a%5B%5D=2&a%5B%5D=3');
    expect(toFormBody({ a: { b: 1, c: 2 }, d: [3, 4, { e: 5 }] }).toString()).toBe(
      'a%5Bb%5D=1&a%5Bc%5D=2&d%5B%5D=3&d%5B%5D=4&d%5B2%5D%5Be%5D=5',
    );
  });
});
