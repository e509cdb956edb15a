import { describe, expect, it } from 'vitest';
import { matchRoutePath, ROUTES, routeKeyOf } from '../../../functions/contract/routes.js';

describe('ROUTES', () => {
  it('lists the routes, the function serving each and who may call it without JWT', () => {
    expect(ROUTES.map(({ functionName, method, path, caller }) => ({ functionName, method, path, caller }))).toEqual([
      { functionName: 'finishSession', method: 'POST', path: '/sessions', caller: 'open' },
      { functionName: 'recoverPublicToken', method: 'POST', path: '/public-tokens', caller: 'iam' },
      { functionName: 'connectTokens', method: 'POST', path: '/connect-tokens', caller: 'iam' },
      { functionName: 'humanData', method: 'GET', path: '/users/{clientUserId}/human/{path+}', caller: 'iam' },
      { functionName: 'deleteUser', method: 'DELETE', path: '/users/{clientUserId}', caller: 'iam' },
      { functionName: 'receiveNotification', method: 'POST', path: '/notifications/{secret}', caller: 'none' },
    ]);
  });

  it('marks the notification URL\u2019s secret segment, and no other, as a secret', () => {
    expect(
      ROUTES.flatMap((route) => ('secretPathParameter' in route ? [[route.path, route.secretPathParameter]] : [])),
    ).toEqual([['/notifications/{secret}', 'secret']]);
  });

  it('names each route as API Gateway does', () => {
    expect(ROUTES.map(routeKeyOf)).toEqual([
      'POST /sessions',
      'POST /public-tokens',
      'POST /connect-tokens',
      'GET /users/{clientUserId}/human/{path+}',
      'DELETE /users/{clientUserId}',
      'POST /notifications/{secret}',
    ]);
  });
});

describe('matchRoutePath', () => {
  it.each([
    ['/sessions', '/sessions', {}],
    ['/sessions', '/sessions/', undefined],
    ['/sessions', '/public-tokens', undefined],
    ['/users/{id}', '/users/alice', { id: 'alice' }],
    ['/users/{id}', '/users/alice%40example.com', { id: 'alice@example.com' }],
    ['/users/{id}', '/users/a/b', undefined],
    ['/users/{id}/tokens', '/users/bob/tokens', { id: 'bob' }],
    ['/files/{path+}', '/files/a/b/c', { path: 'a/b/c' }],
    ['/files/{path+}', '/files/', undefined],
    ['/users/{id}', '/users/%E0%A4%A', undefined],
    ['/users/{id}', '/users/%2541', { id: '%41' }],
  ])('matches %s against %s as %j', (routePath, requestPath, parameters) => {
    expect(matchRoutePath(routePath, requestPath)).toEqual(parameters);
  });
});
