/**
 * The page in the current generation (docs/connect-generations.md): the back end mints a token for
 * the signed-in user (`POST /connect-tokens`, through the app back end without JWT), a session
 * token for a new user (create mode) or an id_token for one who connected (edit mode, on any
 * device: nothing is kept in the browser). Connect opens the way `humanapi-connect-client` 2.x
 * recommends: the Connect Health Data button, inside a `.hapi__token-container`, carries the token
 * in `data-hapi-token`, and the client opens Connect with it on a click; `HumanConnect.on(...)`
 * reports `connect`, `disconnect`, `close` and `error`, which drive the page. Nothing is posted
 * afterwards, and the deprecated `HumanConnect.open()` is never called.
 *
 * It never leaves the user stuck:
 * - a new user is asked for the e-mail address Human API needs (when the API names `email`);
 * - the button carries a token only while it is fresh, and a click without a fresh one gets a fresh
 *   one before Connect opens (see {@link onConnectClick});
 * - a token Connect refuses (expired or invalid) is replaced at once, with a message and a button
 *   to try again.
 */
import { ApiError, type ConnectToken, requestConnectToken } from './api.js';
import type { PageConfig } from './config.js';
import { type ConnectClient, loadConnectClient, readClientError, readConnectEvent } from './connect-client.js';
import { askForEmail, renderSources, renderToken } from './current-view.js';
import type { HealthPanel } from './health-panel.js';
import { clearMessages, setState, showError, showFailure, showNotice, view } from './page-view.js';

/** A token this close to expiring is not opened with: it is dropped, and a click gets a fresh one. */
const EXPIRY_MARGIN_MS = 60_000;

/** A token the page holds, and when it expires (this page's clock). */
type HeldToken = ConnectToken & { readonly expiresAt: number };

/** The page's state in the current generation. */
interface CurrentPage {
  readonly config: PageConfig;
  readonly client: ConnectClient;
  readonly bearerToken: string | undefined;
  /** What the app can read, shown once the user has connected (an id_token: edit mode). */
  readonly panel: HealthPanel;
  /** The e-mail address the user gave, sent until the user has connected. */
  email: string | undefined;
  /** The token on the button (`data-hapi-token`), the one Connect opens with next. */
  token: HeldToken | undefined;
  /** The mode of the last token minted, kept while the button has none. */
  mode: ConnectToken['mode'] | undefined;
  /** Drops {@link CurrentPage.token} from the button when it comes within the margin of expiry. */
  retireTimer: ReturnType<typeof setTimeout> | undefined;
  /** True only while the page passes on a click it held back (see {@link onConnectClick}). */
  releasing: boolean;
}

const isFresh = (token: HeldToken | undefined): token is HeldToken =>
  token !== undefined && token.expiresAt - Date.now() >= EXPIRY_MARGIN_MS;

/**
 * Puts `token` on the button (or takes it off), so the client opens Connect with it: the button
 * never carries a token the page does not hold. A timer takes it off when it comes within the
 * margin of expiry, with no request: minting ahead of time would ask Human API for a token every
 * hour for a tab nobody looks at, and a click gets a fresh one anyway.
 */
function holdToken(page: CurrentPage, token: HeldToken | undefined): void {
  clearTimeout(page.retireTimer);
  page.retireTimer = undefined;
  page.token = token;
  if (token === undefined) {
    view.connectButton.removeAttribute('data-hapi-token');
    return;
  }
  view.connectButton.dataset.hapiToken = token.token;
  page.retireTimer = setTimeout(
    () => {
      if (page.token === token) holdToken(page, undefined);
    },
    Math.max(0, token.expiresAt - EXPIRY_MARGIN_MS - Date.now()),
  );
}

/**
 * Asks for a fresh token and puts it on the button. A 400 naming `email` shows the e-mail field
 * instead (and leaves the button without a token).
 *
 * @returns whether the page now has a token
 */
async function fetchToken(page: CurrentPage): Promise<boolean> {
  try {
    const token = await requestConnectToken(page.config, { email: page.email, bearerToken: page.bearerToken });
    holdToken(page, { ...token, expiresAt: Date.now() + token.expiresIn * 1000 });
    page.mode = token.mode;
    view.emailForm.hidden = true;
    view.connectButton.disabled = false;
    renderToken(token);
    if (token.mode === 'create') renderSources([]);
    else page.panel.show();
    return true;
  } catch (error) {
    const emailProblem =
      error instanceof ApiError && error.status === 400
        ? error.fields.find((field) => field.path === 'email')
        : undefined;
    if (emailProblem === undefined) throw error;
    holdToken(page, undefined);
    page.mode = 'create';
    askForEmail(page.email === undefined ? undefined : `${page.email}: ${emailProblem.message}`);
    return false;
  }
}

/**
 * Every click on the button passes here first, in the capture phase on its container, before it
 * reaches the client's listener on the button, which opens Connect with whatever token the button
 * carries at that moment.
 *
 * - A fresh token on the button (the common case): the click goes on to the client as it is.
 * - None, or one about to expire (the retiring timer was late: a sleeping laptop, a throttled
 *   background tab): the click is held back, so the client never opens Connect with a stale token
 *   or none; the page gets a fresh one onto the button, then clicks the button again, and that
 *   click, passed through here with {@link CurrentPage.releasing}, opens Connect.
 *
 * The second click is not the user's own (`isTrusted` is false): the client does not mind, since
 * Connect opens in the page, not in a popup window a browser could block.
 */
function onConnectClick(page: CurrentPage, event: MouseEvent): void {
  if (!(event.target instanceof Node) || !view.connectButton.contains(event.target) || page.releasing) return;
  clearMessages();
  if (isFresh(page.token)) return;
  event.stopPropagation();
  event.preventDefault();
  void refreshThenOpen(page);
}

async function refreshThenOpen(page: CurrentPage): Promise<void> {
  view.connectButton.disabled = true;
  let ready = false;
  try {
    ready = await fetchToken(page);
  } catch (failure) {
    showFailure(failure, 'Connect could not be started: try Connect Health Data again in a moment.');
  } finally {
    // Disabled only while the e-mail field waits for an address.
    view.connectButton.disabled = !view.emailForm.hidden;
  }
  if (ready) releaseClick(page);
}

/**
 * Clicks the button on the page's behalf, straight through {@link onConnectClick} to the client:
 * only just after a token was fetched (were it to be short-lived, checking it again would fetch
 * forever).
 */
function releaseClick(page: CurrentPage): void {
  page.releasing = true;
  try {
    view.connectButton.click();
  } finally {
    page.releasing = false;
  }
}

function onConnected(page: CurrentPage, payload: unknown): void {
  const { connectedSources, currentConnections } = readConnectEvent(payload);
  if (currentConnections !== undefined) renderSources(currentConnections);
  const names = connectedSources.map((source) => source.name);
  const wasNew = page.mode === 'create';
  showNotice(
    `Connected${names.length === 0 ? '' : ` ${names.join(', ')}`}: Human API holds your health data source.` +
      (wasNew ? ' Connect Health Data now opens in edit mode, to add or manage sources.' : ''),
  );
  // Human API knows the user now: the next token is an id_token (edit mode), asked without the e-mail.
  page.email = undefined;
  holdToken(page, undefined);
  fetchToken(page).catch(() => {
    // Not fatal: a click on the button asks again.
  });
  page.panel.refresh();
}

function onDisconnected(payload: unknown): void {
  const { disconnectedSources, currentConnections } = readConnectEvent(payload);
  if (currentConnections !== undefined) renderSources(currentConnections);
  const names = disconnectedSources.map((source) => source.name);
  showNotice(
    `Disconnected${names.length === 0 ? '' : ` ${names.join(', ')}`}: this app no longer gets data from ${
      names.length > 1 ? 'them' : 'it'
    }.` +
      (currentConnections?.length === 0
        ? ' You have no source connected now; Connect Health Data still opens in edit mode, to add one.'
        : ''),
  );
}

function onClosed(payload: unknown): void {
  const { connectedSources, disconnectedSources, currentConnections } = readConnectEvent(payload);
  if (currentConnections !== undefined) renderSources(currentConnections);
  // What the user did in Connect is already said; only a Connect closed with nothing done is news.
  if (connectedSources.length === 0 && disconnectedSources.length === 0) {
    showNotice('You closed Connect without connecting a new source.');
  }
}

function isTokenRefusal(code: number | string | undefined, message: string): boolean {
  return code === 401 || code === 403 || /expired|invalid/i.test(message);
}

async function onClientError(page: CurrentPage, value: unknown): Promise<void> {
  const { code, message } = readClientError(value);
  if (!isTokenRefusal(code, message)) {
    showError(code === undefined ? message : `${code} ${message}`, '', 'Try Connect Health Data again.');
    return;
  }
  // Connect holds a token that no longer works: close it (its `close` comes first, so the message
  // below replaces the close notice), and get a fresh one for the retry.
  page.client.close?.();
  holdToken(page, undefined);
  showError(
    'Your Connect session expired',
    'The token Connect opened with is no longer valid (it lasts a limited time), so nothing was connected.',
    'Getting a fresh one…',
  );
  try {
    if (!(await fetchToken(page))) return;
  } catch (failure) {
    showFailure(failure, 'A fresh token could not be fetched: try Connect Health Data again in a moment.');
    return;
  }
  showError(
    'Your Connect session expired',
    'The token Connect opened with is no longer valid (it lasts a limited time), so nothing was connected.',
    'A fresh one is ready: try again.',
    // A click like the user's: if the fresh token went stale meanwhile, it is replaced first.
    () => view.connectButton.click(),
    'Try again',
  );
}

/**
 * Starts the page in the current generation for a signed-in user: loads the client, registers
 * the page's listeners once, asks for a first token (which says the mode) and wires the button
 * and the e-mail field.
 *
 * @throws {Error} when the client cannot be loaded or the first token cannot be asked for
 */
export async function startCurrentGeneration(
  config: PageConfig,
  bearerToken: string | undefined,
  panel: HealthPanel,
): Promise<void> {
  if (config.connectClientUrl === undefined) throw new Error('config.json: "connectClientUrl" is required');
  view.generation.textContent = 'current (humanapi-connect-client: a token the server mints)';
  view.publicToken.textContent = 'not used: the server mints a token for Connect Health Data';
  view.postMode.textContent = 'nothing is posted: Connect tells Human API directly';
  view.sources.textContent = 'shown after you open Connect';
  view.sourcesLabel.hidden = false;
  view.sources.hidden = false;
  const client = await loadConnectClient(config.connectClientUrl);
  const page: CurrentPage = {
    config,
    client,
    bearerToken,
    panel,
    email: undefined,
    token: undefined,
    mode: undefined,
    retireTimer: undefined,
    releasing: false,
  };
  client.on('connect', (payload) => onConnected(page, payload));
  client.on('disconnect', onDisconnected);
  client.on('close', onClosed);
  client.on('error', (value) => void onClientError(page, value));
  // The user must connect again: a fresh token on the button (or the e-mail field, for Human API's new user).
  panel.whenReconnectRequired(() => {
    holdToken(page, undefined);
    fetchToken(page).catch(() => {
      // Not fatal: a click on the button asks again.
    });
  });
  view.connectContainer.addEventListener('click', (event) => onConnectClick(page, event), { capture: true });
  view.emailForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const email = view.emailInput.value.trim();
    if (email === '') return;
    page.email = email;
    void fetchToken(page).then(
      (ready) => {
        if (ready) {
          showNotice('Thanks: Connect Health Data opens in create mode.');
          view.connectButton.focus();
        }
      },
      (failure: unknown) => showFailure(failure),
    );
  });
  try {
    await fetchToken(page);
  } catch (failure) {
    // Not fatal: the button asks again.
    view.connectButton.disabled = false;
    showFailure(failure, 'Connect could not be prepared yet; Connect Health Data asks again.');
  }
  setState('ready');
}
