/**
 * `GET /sandbox/connect.js`: an offline stand-in for Human API's connect.js
 * with the same `HumanConnect.open(options)` contract. It asks the sandbox to
 * mint the sessionTokenObject the real popup would deliver to `finish`.
 */
export const connectJs = `(() => {
  'use strict';
  const script = document.currentScript;
  const sandboxBase = new URL('./humanapi', script ? script.src : location.href).href.replace(/\\/$/, '');
  async function mint(options) {
    const response = await fetch(sandboxBase + '/v1/connect/sessions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ clientUserId: options.clientUserId, clientId: options.clientId, publicToken: options.publicToken || '' }),
    });
    const body = await response.json();
    if (!response.ok) throw body;
    return body;
  }
  window.HumanConnect = {
    open(options) {
      const finish = typeof options.finish === 'function' ? options.finish : () => {};
      const error = typeof options.error === 'function' ? options.error : () => {};
      mint(options).then(
        (sessionTokenObject) => finish(null, sessionTokenObject),
        (problem) => error({ code: problem.code || 500, message: problem.message || 'Connect failed', detailedMessage: problem.detailedMessage || '' }),
      );
    },
  };
})();
`;
