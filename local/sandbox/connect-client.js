/*
 * `GET /sandbox/connect-client.js`: an offline stand-in for `humanapi-connect-client` 2.x
 * (docs/local-mode.md#sandbox, docs/connect-generations.md), the browser API of the current
 * generation, as the package's README and build define it:
 *
 * - declarative, the package's recommended use: an element with `data-hapi-token="<token>"` inside
 *   an element with class `hapi__token-container` opens Connect when clicked, with the token the
 *   element carries *at click time*. As in the package, the elements are bound when the window's
 *   `load` event fires (the containers must be in the page then; without one it warns and reports an
 *   `error`), and an element whose `data-hapi-token` is set later is bound then;
 * - `HumanConnect.on(event, listener)` for `connect`, `disconnect`, `close` and `error`: the
 *   declarative path reports to these listeners;
 * - `HumanConnect.open({ token, onConnectSource?, onDisconnectSource?, onClose? })`, deprecated but
 *   kept, as in the package: it logs one `console.warn` deprecation line per call and reports to its
 *   own callbacks only, not to `on(...)` listeners (the package does the same).
 *
 * `connect`, `disconnect` and `close` receive the package's payload: `{ sessionResults: {
 * connectedSources, disconnectedSources, requestedSources }, currentConnections,
 * requestedProviders }`, sources as `{ id, name }`; `sessionResults` covers this opening of Connect,
 * `currentConnections` every source the user has connected now. `error` receives `{ code, message }`
 * when Connect refuses its token (401 `Unknown or expired token`, when it opens or on an action) or
 * has none (400); where the real popup shows such a refusal inside its own window, the stand-in also
 * reports it, so a page can replace the token.
 *
 * Where the real client opens a window on Human API, this one opens an in-page dialog: it lists the
 * user's connected sources (`connect/connections`), and choosing a source or "Disconnect" posts the
 * token to the sandbox's `connect/complete` or `connect/disconnect`, which is what the user's action
 * in the popup does. It loads nothing else and talks only to the sandbox.
 *
 * Served as is to the browser as a classic script (not a module, not built).
 */
(() => {
  // biome-ignore lint/suspicious/noRedundantUseStrict: a classic script, where strict mode is not implied.
  'use strict';
  const script = document.currentScript;
  // Served at <api>/sandbox/connect-client.js: the sandbox lives next to it.
  const base = script ? script.src : location.href;
  const popupUrl = (route) => new URL(`./humanapi-auth/connect/${route}`, base).href;
  const SOURCES = [
    { id: 'demo-health-system', name: 'Demo Health System' },
    { id: 'demo-pharmacy', name: 'Demo Pharmacy' },
    { id: 'demo-lab', name: 'Demo Lab' },
    { id: 'demo-fitness-tracker', name: 'Demo Fitness Tracker' },
  ];
  const EVENTS = ['connect', 'disconnect', 'close', 'error'];
  const listeners = { connect: [], disconnect: [], close: [], error: [] };
  const NO_CONTAINER =
    'HumanConnect: no element with class hapi__token-container when the page loaded, so no [data-hapi-token] element opens Connect.';
  const DEPRECATED_OPEN =
    'HumanConnect.open() is deprecated and will be removed: put the token in data-hapi-token on an element inside a .hapi__token-container, and listen with HumanConnect.on(event, listener).';
  /** The open dialog, if any: one Connect at a time, as in the package. */
  let current = null;

  function call(listener, payload) {
    try {
      listener(payload);
    } catch (error) {
      // A listener's failure must not stop the others, nor the dialog.
      setTimeout(() => {
        throw error;
      });
    }
  }

  function emit(event, payload) {
    for (const listener of [...listeners[event]]) call(listener, payload);
  }

  const named = (id) => ({ id, name: (SOURCES.find((source) => source.id === id) || { name: id }).name });

  function payloadOf(session, connections) {
    return {
      sessionResults: {
        connectedSources: session.connected.map(named),
        disconnectedSources: session.disconnected.map(named),
        requestedSources: [],
      },
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

  /** Posts what the user does in the popup; resolves the user's connected sources, or throws `{ code, message }`. */
  async function popupCall(route, body) {
    let response;
    try {
      response = await fetch(popupUrl(route), {
        method: 'POST',
        // A string body goes as text/plain: a simple request, as any site that opens Connect may make.
        body: JSON.stringify(body),
      });
    } catch {
      throw { code: undefined, message: 'Connect could not reach Human API.' };
    }
    let answer = null;
    try {
      answer = await response.json();
    } catch {
      answer = null;
    }
    if (!response.ok || answer === null || !Array.isArray(answer.connectedSources)) {
      throw { code: response.status, message: (answer && (answer.message || answer.error)) || 'Connect failed' };
    }
    return answer.connectedSources;
  }

  /**
   * Opens the dialog with `token`; `report(event, payload)` delivers `connect`, `disconnect` and
   * `close` (to `on(...)` listeners or to `open()`'s callbacks). Errors go to `on('error')`.
   */
  function openConnect(token, report) {
    if (current !== null) return;
    if (typeof token !== 'string' || token === '') {
      setTimeout(() => emit('error', { code: 400, message: 'A token is required to open Connect.' }));
      return;
    }
    const session = { connected: [], disconnected: [] };
    let connections = [];
    let busy = true;
    const status = el('p', { class: 'hc-status', role: 'status' }, ['Loading your connections\u2026']);
    const closeButton = el('button', { type: 'button', class: 'hc-close', 'aria-label': 'Close' }, ['\u00d7']);
    const list = el('fieldset', {}, [el('legend', {}, ['Choose a source to connect'])]);
    const dialog = el('dialog', { class: 'hc-sandbox', 'aria-label': 'Human API Connect' }, [
      el('header', {}, [el('h2', {}, ['Human API Connect']), closeButton]),
      list,
      status,
      el('p', { class: 'hc-note' }, ['Sandbox: demo sources, no real health data.']),
    ]);
    const rows = SOURCES.map((source) => {
      const connectButton = el('button', { type: 'button', class: 'hc-source', 'data-source': source.id }, [
        source.name,
      ]);
      const state = el('span', { class: 'hc-connected' }, ['connected']);
      const disconnectButton = el('button', { type: 'button', 'aria-label': `Disconnect ${source.name}` }, [
        'Disconnect',
      ]);
      list.append(el('div', { class: 'hc-row' }, [connectButton, state, disconnectButton]));
      return { source, connectButton, state, disconnectButton };
    });
    const render = () => {
      for (const row of rows) {
        const connected = connections.includes(row.source.id);
        // A connected source is not offered again; it can be disconnected instead.
        row.connectButton.disabled = busy || connected;
        row.state.hidden = !connected;
        row.disconnectButton.hidden = !connected;
        row.disconnectButton.disabled = busy;
      }
    };
    /** Runs one popup action: its status lines, and `error` with the refusal. */
    const act = (pending, route, body, done) => {
      busy = true;
      render();
      status.textContent = pending;
      popupCall(route, { token, ...body }).then(
        (connectedSources) => {
          if (current !== dialog) return;
          connections = connectedSources;
          busy = false;
          render();
          done();
        },
        (problem) => {
          if (current !== dialog) return;
          status.textContent = problem.message;
          // A refused token stays refused: nothing else in this dialog can work.
          busy = problem.code === 401;
          render();
          emit('error', problem);
        },
      );
    };
    for (const row of rows) {
      row.connectButton.addEventListener('click', () =>
        act('Connecting\u2026', 'complete', { source: row.source.id }, () => {
          if (!session.connected.includes(row.source.id)) session.connected.push(row.source.id);
          status.textContent = `Connected ${row.source.name}.`;
          report('connect', payloadOf(session, connections));
        }),
      );
      row.disconnectButton.addEventListener('click', () =>
        act('Disconnecting\u2026', 'disconnect', { source: row.source.id }, () => {
          if (!session.disconnected.includes(row.source.id)) session.disconnected.push(row.source.id);
          status.textContent = `Disconnected ${row.source.name}.`;
          report('disconnect', payloadOf(session, connections));
        }),
      );
    }
    const dismiss = () => {
      if (current !== dialog) return;
      current = null;
      dialog.close();
      dialog.remove();
      report('close', payloadOf(session, connections));
    };
    closeButton.addEventListener('click', dismiss);
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      dismiss();
    });
    current = dialog;
    render();
    document.body.append(dialog);
    dialog.showModal();
    // Connect opens on the user's current connections, and refuses a stale token at once.
    act('Loading your connections\u2026', 'connections', {}, () => {
      status.textContent = '';
    });
  }

  function on(event, listener) {
    if (!EVENTS.includes(event) || typeof listener !== 'function') return;
    listeners[event].push(listener);
  }

  function open(options) {
    console.warn(DEPRECATED_OPEN);
    const settings = options || {};
    const callbacks = { connect: 'onConnectSource', disconnect: 'onDisconnectSource', close: 'onClose' };
    openConnect(settings.token, (event, payload) => {
      const callback = settings[callbacks[event]];
      if (typeof callback === 'function') call(callback, payload);
    });
  }

  // The declarative use. Each element is bound once; the token is read when it is clicked.
  const bound = new WeakSet();
  function bind(element) {
    if (bound.has(element)) return;
    bound.add(element);
    element.addEventListener('click', (event) => {
      event.preventDefault();
      openConnect(element.getAttribute('data-hapi-token'), emit);
    });
  }

  // As the package does: on the window's `load`, bind the `[data-hapi-token]` elements inside the
  // containers, and watch the containers for elements that get a token later.
  window.addEventListener('load', () => {
    const containers = Array.from(document.getElementsByClassName('hapi__token-container'));
    if (containers.length === 0) {
      console.warn(NO_CONTAINER);
      emit('error', NO_CONTAINER);
      return;
    }
    for (const container of containers) {
      for (const element of container.querySelectorAll('[data-hapi-token]')) bind(element);
    }
    const observer = new MutationObserver((records) => {
      for (const { target } of records) {
        if (target instanceof Element && target.getAttribute('data-hapi-token')) bind(target);
      }
    });
    for (const container of containers) {
      observer.observe(container, { attributes: true, attributeFilter: ['data-hapi-token'], subtree: true });
    }
  });

  window.HumanConnect = { open, on, close: () => current?.querySelector('.hc-close')?.click() };
})();
