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
});
