/*
 * `GET /sandbox/connect-client.js`: an offline stand-in for `humanapi-connect-client` 2.x
 * (docs/design.md#connect-flows), the browser API of the current generation:
 *
 * - `HumanConnect.open({ token, onConnectSource?, onDisconnectSource?, onClose? })` opens Connect
 *   with a token the back end minted (`POST /connect-tokens`);
 * - `HumanConnect.on(event, listener)` for the package's lifecycle events `connect`, `disconnect`,
 *   `close` and `error`;
 * - like the package, a click on an element with `data-hapi-token` inside a `.hapi__token-container`
 *   opens Connect with that token.
 *
 * Listeners receive the package's payload: `{ sessionResults: { connectedSources,
 * disconnectedSources, requestedSources }, currentConnections, requestedProviders }`. Where the real
 * client opens a window on Human API, this one opens an in-page dialog; choosing a source posts the
 * token to the sandbox's `connect/complete`, which is what the user's action in the popup does.
 * It loads nothing else and talks only to the sandbox.
 *
 * Served as is to the browser as a classic script (not a module, not built).
 */
(() => {
  // biome-ignore lint/suspicious/noRedundantUseStrict: a classic script, where strict mode is not implied.
  'use strict';
  const script = document.currentScript;
  // Served at <api>/sandbox/connect-client.js: the sandbox lives next to it.
  const completeUrl = new URL('./humanapi-auth/connect/complete', script ? script.src : location.href).href;
  const SOURCES = [
    { id: 'demo-health-system', name: 'Demo Health System' },
    { id: 'demo-pharmacy', name: 'Demo Pharmacy' },
    { id: 'demo-lab', name: 'Demo Lab' },
    { id: 'demo-fitness-tracker', name: 'Demo Fitness Tracker' },
  ];
  const EVENTS = ['connect', 'disconnect', 'close', 'error'];
  const listeners = { connect: [], disconnect: [], close: [], error: [] };
  let current = null;

  function emit(event, payload, extra) {
    for (const listener of [...listeners[event], ...(extra ? [extra] : [])]) {
      try {
        listener(payload);
      } catch (error) {
        setTimeout(() => {
          throw error;
        });
      }
    }
  }

  function payloadOf(connected, connections) {
    const named = (id) => ({ id, name: (SOURCES.find((source) => source.id === id) || { name: id }).name });
    return {
      sessionResults: { connectedSources: connected.map(named), disconnectedSources: [], requestedSources: [] },
      currentConnections: connections.map(named),
      requestedProviders: [],
    };
  }

  function el(tag, attributes, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    for (const child of children || []) node.append(child);
    return node;
  }

  async function completeWith(token, source) {
    const response = await fetch(completeUrl, {
      method: 'POST',
      // A string body goes as text/plain: a simple request, as any site that opens Connect may make.
      body: JSON.stringify({ token, source }),
    });
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    if (!response.ok || body === null) {
      throw { code: response.status, message: (body && (body.message || body.error)) || 'Connect failed' };
    }
    return body;
  }

  function open(options) {
    const settings = options || {};
    const callback = (name) => (typeof settings[name] === 'function' ? settings[name] : null);
    if (current !== null) return;
    if (typeof settings.token !== 'string' || settings.token === '') {
      setTimeout(() => emit('error', { code: 400, message: 'A token is required to open Connect.' }));
      return;
    }
    const connected = [];
    let connections = [];
    const status = el('p', { class: 'hc-status', role: 'status' });
    const closeButton = el('button', { type: 'button', class: 'hc-close', 'aria-label': 'Close' }, ['\u00d7']);
    const list = el('fieldset', {}, [el('legend', {}, ['Choose a source to connect'])]);
    const dialog = el('dialog', { class: 'hc-sandbox', 'aria-label': 'Human API Connect' }, [
      el('header', {}, [el('h2', {}, ['Human API Connect']), closeButton]),
      list,
      status,
      el('p', { class: 'hc-note' }, ['Sandbox: demo sources, no real health data.']),
    ]);
    for (const source of SOURCES) {
      const button = el('button', { type: 'button', class: 'hc-source', 'data-source': source.id }, [source.name]);
      button.addEventListener('click', () => {
        button.disabled = true;
        status.textContent = 'Connecting\u2026';
        completeWith(settings.token, source.id).then(
          (answer) => {
            if (!connected.includes(source.id)) connected.push(source.id);
            connections = Array.isArray(answer.connectedSources) ? answer.connectedSources : connections;
            status.textContent = `Connected ${source.name}.`;
            emit('connect', payloadOf(connected, connections), callback('onConnectSource'));
          },
          (problem) => {
            button.disabled = false;
            status.textContent = problem.message;
            emit('error', problem);
          },
        );
      });
      list.append(button);
    }
    const dismiss = () => {
      if (current !== dialog) return;
      current = null;
      dialog.close();
      dialog.remove();
      emit('close', payloadOf(connected, connections), callback('onClose'));
    };
    closeButton.addEventListener('click', dismiss);
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      dismiss();
    });
    current = dialog;
    document.body.append(dialog);
    dialog.showModal();
  }

  function on(event, listener) {
    if (!EVENTS.includes(event) || typeof listener !== 'function') return;
    listeners[event].push(listener);
  }

  // The package's declarative use: any `[data-hapi-token]` under a `.hapi__token-container` opens Connect.
  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target.closest('[data-hapi-token]') : null;
    if (target === null || target.closest('.hapi__token-container') === null) return;
    open({ token: target.getAttribute('data-hapi-token') });
  });

  window.HumanConnect = { open, on, close: () => current?.querySelector('.hc-close')?.click() };
})();
