import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../local/openapi.js';

const committed = (): unknown => JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8'));

describe('docs/openapi.json', () => {
  it('is what the zod schemas generate today (run npm run openapi when this fails)', () => {
    expect(committed()).toEqual(buildOpenApiDocument());
  });

  it('describes the bodies with the limits the functions enforce', () => {
    expect(committed()).toMatchObject({
      openapi: '3.1.0',
      components: {
        schemas: {
          SessionTokenObject: {
            type: 'object',
            required: ['humanId', 'clientId', 'sessionToken'],
            properties: { sessionToken: { type: 'string', minLength: 1, maxLength: 512 } },
          },
          PublicTokenRequest: {
            properties: { clientUserId: { maxLength: 256 }, refresh: { type: 'boolean' } },
          },
          Problem: { required: expect.arrayContaining(['type', 'title', 'status', 'requestId']) },
        },
      },
    });
  });

  it('lists every status of docs/api.md#errors that a route can answer', () => {
    const document = committed() as { paths: Record<string, { post: { responses: Record<string, unknown> } }> };

    expect(Object.keys(document.paths['/sessions']?.post.responses ?? {}).sort()).toEqual(
      ['200', '400', '401', '403', '409', '413', '415', '422', '500', '502', '503', '504'].sort(),
    );
    expect(Object.keys(document.paths['/public-tokens']?.post.responses ?? {})).toContain('404');
  });

  it('describes POST /connect-tokens: its optional clientUserId and email, its answer, and its statuses', () => {
    const document = committed() as {
      paths: Record<string, { post: { responses: Record<string, unknown>; security: unknown } }>;
    };

    expect(committed()).toMatchObject({
      components: {
        schemas: {
          ConnectTokenRequest: {
            additionalProperties: false,
            properties: { clientUserId: { maxLength: 256 }, email: { format: 'email', maxLength: 254 } },
          },
          ConnectSessionToken: {
            required: ['token', 'mode', 'expiresIn', 'humanId'],
            properties: { mode: { enum: ['create', 'edit'] } },
          },
        },
      },
    });
    expect(document.paths['/connect-tokens']?.post.security).toEqual([{ sigv4: [] }, { jwt: [] }]);
    expect(Object.keys(document.paths['/connect-tokens']?.post.responses ?? {}).sort()).toEqual(
      ['200', '400', '401', '403', '413', '415', '422', '500', '502', '503', '504'].sort(),
    );
  });
});
