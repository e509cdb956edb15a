/*
 * `GET /sandbox/connect.js`: an offline stand-in for Human API's connect.js
 * with the same `HumanConnect.open(options)` contract (docs/design.md#connect-flows).
 *
 * Where the real script opens a popup window on connect.humanapi.co, this one
 * opens a small in-page dialog: it signs the user in with the sandbox as the
 * popup would (minting the sessionTokenObject, or answering "User Already
 * Exists" for a returning user without its current publicToken), lists a few
 * demo sources, and on Connect hands the sessionTokenObject to `finish`.
 * Dismissing it calls `close`; a refusal calls `error({ code, message,
 * detailedMessage })`. It loads nothing else: no fonts, no images, no network
 * beyond the sandbox.
 *
 * Served as is to the browser as a classic script (not a module, not built).
 */
(() => {
  // biome-ignore lint/suspicious/noRedundantUseStrict: a classic script, where strict mode is not implied.
  'use strict';
  const script = document.currentScript;
  // Served at <api>/sandbox/connect.js: the sandbox lives next to it.
  const sandboxBase = new URL('./humanapi', script ? script.src : location.href).href;
  const SOURCES = [
    { id: 'demo-health-system', name: 'Demo Health System', kind: 'Medical records' },
    { id: 'demo-pharmacy', name: 'Demo Pharmacy', kind: 'Prescriptions' },
    { id: 'demo-lab', name: 'Demo Lab', kind: 'Lab results' },
    { id: 'demo-fitness-tracker', name: 'Demo Fitness Tracker', kind: 'Activity' },
  ];
  const STYLE = [
    '.hc-sandbox{border:none;border-radius:12px;padding:0;width:min(420px,92vw);font:15px/1.4 system-ui,sans-serif;color:#1d2430;box-shadow:0 20px 50px rgba(0,0,0,.3)}',
    '.hc-sandbox::backdrop{background:rgba(20,28,40,.55)}',
    '.hc-sandbox header{display:flex;align-items:center;justify-content:space-between;padding:14px 18px;background:#1f6feb;color:#fff}',
    '.hc-sandbox h2{margin:0;font-size:17px}',
    '.hc-sandbox .hc-close{background:none;border:none;color:#fff;font-size:22px;line-height:1;cursor:pointer}',
    '.hc-sandbox .hc-body{padding:16px 18px}',
    '.hc-sandbox .hc-mode{margin:0 0 12px}',
    '.hc-sandbox fieldset{border:none;margin:0;padding:0}',
    '.hc-sandbox legend{font-weight:600;margin-bottom:6px}',
    '.hc-sandbox label{display:flex;gap:10px;align-items:center;font-weight:500;padding:8px 10px;border:1px solid #d0d7de;border-radius:8px;margin-bottom:6px;cursor:pointer}',
    '.hc-sandbox label small{color:#57606a;margin-left:auto}',
    '.hc-sandbox input[type=radio]{flex:none;width:auto;margin:0;padding:0}',
    '.hc-sandbox .hc-actions{display:flex;justify-content:flex-end;gap:8px;margin-top:12px}',
    '.hc-sandbox .hc-actions button{padding:8px 16px;border-radius:8px;border:1px solid #1f6feb;background:#1f6feb;color:#fff;font-weight:600;cursor:pointer}',
    '.hc-sandbox .hc-actions button:disabled{opacity:.5;cursor:default}',
    '.hc-sandbox .hc-note{color:#57606a;font-size:13px;margin:12px 0 0}',
  ].join('\n');

  let current = null;

  function el(tag, attributes, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    for (const child of children || []) node.append(child);
    return node;
  }

  function installStyle() {
    if (document.getElementById('hc-sandbox-style')) return;
    const style = el('style', { id: 'hc-sandbox-style' });
    style.textContent = STYLE;
    document.head.append(style);
  }

  function problemOf(status, body) {
    return {
      code: body?.code || status,
      message: (body && (body.message || body.error)) || 'Connect failed',
      detailedMessage: body?.detailedMessage || '',
    };
  }

  // What the real popup does on open: sign the user in and get a session.
  async function startSession(options) {
    let response;
    try {
      response = await fetch(`${sandboxBase}/v1/connect/sessions`, {
        method: 'POST',
        // A string body goes as text/plain: a simple request, which any site
        // that opens Connect may make (the sandbox allows every origin).
        body: JSON.stringify({
          clientId: options.clientId,
          clientUserId: options.clientUserId,
          publicToken: typeof options.publicToken === 'string' ? options.publicToken : '',
        }),
      });
    } catch {
      throw {
        code: 503,
        message: 'Service Unavailable',
        detailedMessage: 'The Human API sandbox could not be reached.',
      };
    }
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    if (!response.ok || body === null) throw problemOf(response.status, body);
    return body;
  }

  function open(options) {
    const settings = options || {};
    const callback = (name) => (typeof settings[name] === 'function' ? settings[name] : () => {});
    const finish = callback('finish');
    const close = callback('close');
    const error = callback('error');
    if (current !== null) return;
    if (!settings.clientId || !settings.clientUserId) {
      setTimeout(() =>
        error({ code: 400, message: 'Bad Request', detailedMessage: 'clientId and clientUserId are required.' }),
      );
      return;
    }
    const editMode = typeof settings.publicToken === 'string' && settings.publicToken !== '';
    installStyle();

    const closeButton = el('button', { type: 'button', class: 'hc-close', 'aria-label': 'Close' }, ['\u00d7']);
    const mode = el('p', { class: 'hc-mode', 'data-mode': editMode ? 'edit' : 'create' });
    mode.textContent = editMode
      ? `Edit mode: welcome back, ${settings.clientUserId}. Connect another source.`
      : `Create mode: connect your first source, ${settings.clientUserId}.`;
    const status = el('p', { class: 'hc-status', role: 'status' }, ['Signing in\u2026']);
    const connectButton = el('button', { type: 'button', class: 'hc-connect', disabled: '' }, ['Connect']);
    const sources = el('fieldset', { hidden: '' }, [el('legend', {}, ['Choose a source'])]);
    for (const source of SOURCES) {
      const input = el('input', { type: 'radio', name: 'hc-source', value: source.id });
      input.addEventListener('change', () => {
        connectButton.disabled = false;
      });
      sources.append(el('label', {}, [input, source.name, el('small', {}, [source.kind])]));
    }
    const dialog = el('dialog', { class: 'hc-sandbox', 'aria-labelledby': 'hc-sandbox-title' }, [
      el('header', {}, [el('h2', { id: 'hc-sandbox-title' }, ['Human API Connect']), closeButton]),
      el('div', { class: 'hc-body' }, [
        mode,
        status,
        sources,
        el('div', { class: 'hc-actions' }, [connectButton]),
        el('p', { class: 'hc-note' }, ['Sandbox: demo sources, no real health data.']),
      ]),
    ]);

    let sessionTokenObject = null;
    const dismiss = (then) => {
      if (current !== dialog) return;
      current = null;
      dialog.close();
      dialog.remove();
      then();
    };
    closeButton.addEventListener('click', () => dismiss(() => close()));
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      dismiss(() => close());
    });
    connectButton.addEventListener('click', () => {
      const chosen = sources.querySelector('input:checked');
      if (sessionTokenObject === null || chosen === null) return;
      const session = sessionTokenObject;
      dismiss(() => finish(null, session));
    });

    current = dialog;
    document.body.append(dialog);
    dialog.showModal();
    startSession(settings).then(
      (session) => {
        sessionTokenObject = session;
        status.textContent = '';
        sources.hidden = false;
      },
      (problem) => dismiss(() => error(problem)),
    );
  }

  window.HumanConnect = { open };
})();
