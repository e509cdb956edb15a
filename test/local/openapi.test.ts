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

  it('describes the 401 as API Gateway answers it: application/json { message }, not a problem', () => {
    const document = committed() as { paths: Record<string, { post: { responses: Record<string, unknown> } }> };

    for (const path of ['/sessions', '/public-tokens', '/connect-tokens']) {
      expect(document.paths[path]?.post.responses['401']).toEqual({
        description:
          'JWT mode: the bearer token is missing or invalid, answered by API Gateway before any function runs.',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/GatewayMessage' } } },
      });
    }
    expect(committed()).toMatchObject({
      components: {
        schemas: {
          GatewayMessage: {
            type: 'object',
            properties: { message: { type: 'string' } },
            required: ['message'],
          },
        },
      },
    });
  });

  it("lists both 403s of the IAM routes: the function's problem and API Gateway's { message }", () => {
    const document = committed() as {
      paths: Record<string, { post: { responses: Record<string, { content: Record<string, unknown> }> } }>;
    };
    const both = {
      'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
      'application/json': { schema: { $ref: '#/components/schemas/GatewayMessage' } },
    };

    expect(document.paths['/public-tokens']?.post.responses['403']?.content).toEqual(both);
    expect(document.paths['/connect-tokens']?.post.responses['403']?.content).toEqual(both);
    // /sessions is never behind IAM: its 403 is the function's only.
    expect(document.paths['/sessions']?.post.responses['403']?.content).toEqual({
      'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
    });
  });

  it('describes SigV4 as API Gateway documents it, and the JWT as a bearer token', () => {
    expect(committed()).toMatchObject({
      components: {
        securitySchemes: {
          sigv4: {
            type: 'apiKey',
            name: 'Authorization',
            in: 'header',
            'x-amazon-apigateway-authtype': 'awsSigv4',
            description: expect.stringMatching(/execute-api.*region/s),
          },
          jwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        },
      },
    });
  });

  it('describes Human API\u2019s POST /notifications/{secret}: no security scheme, its own 401, 413 and 503', () => {
    const document = committed() as {
      paths: Record<string, { post: { operationId: unknown; security: unknown; responses: Record<string, unknown> } }>;
    };
    const operation = document.paths['/notifications/{secret}']?.post;

    expect(operation?.operationId).toBe('receiveNotification');
    expect(operation?.security).toEqual([]);
    expect(Object.keys(operation?.responses ?? {}).sort()).toEqual(['200', '400', '401', '413', '415', '500', '503']);
    expect(operation?.responses['401']).toEqual({
      description: expect.stringContaining('notification-refused'),
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    });
  });

  it('names each operation as the code names its function, with a summary', () => {
    const document = committed() as {
      paths: Record<string, { post: { operationId: unknown; summary: unknown } }>;
    };

    expect(document.paths['/sessions']?.post).toMatchObject({
      operationId: 'finishSession',
      summary: 'Finish a v1 Human Connect session',
    });
    expect(document.paths['/public-tokens']?.post).toMatchObject({
      operationId: 'recoverPublicToken',
      summary: 'Recover (or refresh) a returning user\u2019s publicToken',
    });
    expect(document.paths['/connect-tokens']?.post).toMatchObject({
      operationId: 'connectTokens',
      summary: 'Start a current-generation Connect session: a session token (create) or an id_token (edit)',
    });
  });

  it('describes DELETE /users/{clientUserId}: no body, the path parameter, its answer, and only the statuses it gives', () => {
    const document = committed() as {
      paths: Record<string, { delete: Record<string, unknown> & { responses: Record<string, unknown> } }>;
    };
    const operation = document.paths['/users/{clientUserId}']?.delete;

    expect(operation).toMatchObject({
      operationId: 'deleteUser',
      parameters: [{ name: 'clientUserId', in: 'path', required: true, schema: { maxLength: 256 } }],
      security: [{ sigv4: [] }, { jwt: [] }],
    });
    expect(operation).not.toHaveProperty('requestBody');
    expect(Object.keys(operation?.responses ?? {}).sort()).toEqual(['200', '400', '401', '403', '500', '503']);
    expect(committed()).toMatchObject({
      components: {
        schemas: {
          UserDeletion: {
            required: ['clientUserId', 'deletedAt', 'deleted'],
            properties: {
              deleted: {
                required: ['tokenRecord', 'idempotencyRecords', 'atHumanApi'],
                properties: { atHumanApi: { const: false } },
              },
            },
          },
        },
      },
    });
  });
});

describe('docs/openapi.json: the data gateway', () => {
  type Operation = {
    operationId: string;
    security: unknown;
    requestBody?: unknown;
    parameters: { name: string; in: string; required: boolean }[];
    responses: Record<string, { headers?: Record<string, unknown>; content: Record<string, unknown> }>;
  };
  const gateway = () =>
    (committed() as { paths: Record<string, { get: Operation }> }).paths['/users/{clientUserId}/human/{path}']?.get;

  it('describes GET /users/{clientUserId}/human/{path} as humanData, IAM or JWT, with no body', () => {
    expect(gateway()).toMatchObject({ operationId: 'humanData', security: [{ sigv4: [] }, { jwt: [] }] });
    expect(gateway()?.requestBody).toBeUndefined();
  });

  it('lists its path parameters and the query parameters of a list', () => {
    expect(gateway()?.parameters.map(({ name, in: where, required }) => `${where}:${name}:${required}`)).toEqual([
      'path:clientUserId:true',
      'path:path:true',
      'query:limit:false',
      'query:offset:false',
      'query:created_since:false',
      'query:created_before:false',
      'query:updated_since:false',
      'query:updated_before:false',
      'query:start_date:false',
      'query:end_date:false',
      'query:source:false',
    ]);
  });

  it('lists its statuses, the paging headers of its 200 and both 403s', () => {
    const responses = gateway()?.responses ?? {};

    expect(Object.keys(responses).sort()).toEqual(
      ['200', '400', '401', '403', '404', '409', '500', '502', '503', '504'].sort(),
    );
    expect(Object.keys(responses['200']?.headers ?? {})).toEqual(['X-Total-Count', 'Link']);
    expect(Object.keys(responses['403']?.content ?? {})).toEqual(['application/problem+json', 'application/json']);
  });
});
