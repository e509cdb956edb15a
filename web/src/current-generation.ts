/**
 * The page in the current generation (docs/design.md#connect-flows): before Connect opens, the
 * back end mints a token for the signed-in user (`POST /connect-tokens`, through the app back end
 * without JWT), a session token for a new user (create mode) or an id_token for one who connected
 * (edit mode, on any device: nothing is kept in the browser). Connect opens with `{ token }`;
 * nothing is posted afterwards.
 *
 * It never leaves the user stuck:
 * - a new user is asked for the e-mail address Human API needs (when the API names `email`);
 * - a token about to expire is replaced before Connect opens, and one that Connect refuses
 *   (expired or invalid) is replaced at once, with a message and a button to try again.
 */
import { ApiError, type ConnectToken, requestConnectToken } from './api.js';
import type { PageConfig } from './config.js';
import { type ConnectClient, connectedSourcesOf, loadConnectClient, readClientError } from './connect-client.js';
import { clearMessages, setState, showError, showFailure, showNotice, view } from './page-view.js';

/** A token this close to expiring is replaced before Connect opens with it. */
const EXPIRY_MARGIN_MS = 60_000;

/** The page's state in the current generation. */
interface CurrentPage {
  readonly config: PageConfig;
  readonly client: ConnectClient;
  readonly bearerToken: string | undefined;
  /** The e-mail address the user gave, sent until the user has connected. */
  email: string | undefined;
  /** The token Connect opens with next, and when it expires (this page's clock). */
  token: (ConnectToken & { readonly expiresAt: number }) | undefined;
  /** Whether a source was connected since Connect last opened. */
  connectedSinceOpen: boolean;
}

function renderToken(token: ConnectToken | undefined): void {
  if (token === undefined) return;
  document.body.dataset.mode = token.mode;
  view.mode.textContent =
    token.mode === 'create'
      ? 'Create mode: a new user. Connect opens with a session token the server minted.'
      : 'Edit mode: you have connected before. Connect opens with an id_token the server minted, to add or manage sources.';
  view.humanId.textContent = token.humanId;
}

function askForEmail(problem: string | undefined): void {
  document.body.dataset.mode = 'create';
  view.mode.textContent = 'Create mode: a new user. Human API needs your e-mail address to create your account.';
  view.emailForm.hidden = false;
  view.connectButton.disabled = true;
  view.emailProblem.textContent = problem ?? '';
  view.emailProblem.hidden = problem === undefined;
  view.emailInput.setAttribute('aria-invalid', String(problem !== undefined));
  view.emailInput.focus();
}

/**
 * Asks for a fresh token. A 400 naming `email` shows the e-mail field instead.
 *
 * @returns whether the page now has a token
 */
async function fetchToken(page: CurrentPage): Promise<boolean> {
  try {
    const token = await requestConnectToken(page.config, { email: page.email, bearerToken: page.bearerToken });
    page.token = { ...token, expiresAt: Date.now() + token.expiresIn * 1000 };
    view.emailForm.hidden = true;
    view.connectButton.disabled = false;
    renderToken(page.token);
    return true;
  } catch (error) {
    const emailProblem =
      error instanceof ApiError && error.status === 400
        ? error.fields.find((field) => field.path === 'email')
        : undefined;
    if (emailProblem === undefined) throw error;
    page.token = undefined;
    askForEmail(page.email === undefined ? undefined : `${page.email}: ${emailProblem.message}`);
    return false;
  }
}

async function openConnect(page: CurrentPage): Promise<void> {
  clearMessages();
  view.connectButton.disabled = true;
  try {
    if (page.token === undefined || page.token.expiresAt - Date.now() < EXPIRY_MARGIN_MS) {
      if (!(await fetchToken(page))) return;
    }
  } catch (failure) {
    showFailure(failure, 'Connect could not be started: try Connect Health Data again in a moment.');
    return;
  } finally {
    // Disabled only while the e-mail field waits for an address.
    view.connectButton.disabled = !view.emailForm.hidden;
  }
  const token = page.token;
  if (token === undefined) return;
  page.connectedSinceOpen = false;
  page.client.open({
    token: token.token,
    onConnectSource: (payload) => void onConnected(page, payload),
    onClose: () => {
      if (!page.connectedSinceOpen) showNotice('You closed Connect without connecting a new source.');
    },
  });
}

async function onConnected(page: CurrentPage, payload: unknown): Promise<void> {
  page.connectedSinceOpen = true;
  const names = connectedSourcesOf(payload).map((source) => source.name);
  const wasNew = page.token?.mode === 'create';
  showNotice(
    `Connected${names.length === 0 ? '' : ` ${names.join(', ')}`}: Human API holds your health data source.` +
      (wasNew ? ' Connect Health Data now opens in edit mode, to add or manage sources.' : ''),
  );
  // Human API knows the user now: the next token is an id_token (edit mode), asked without the e-mail.
  page.email = undefined;
  page.token = undefined;
  try {
    await fetchToken(page);
  } catch {
    // Not fatal: the next click asks again.
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
  // The popup holds a token that no longer works: close it, and get a fresh one for the retry.
  page.client.close?.();
  page.token = undefined;
  const retry = () => void openConnect(page);
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
    retry,
    'Try again',
  );
}

/**
 * Starts the page in the current generation for a signed-in user: loads the client, asks for a
 * first token (which says the mode) and wires the button and the e-mail field.
 *
 * @throws {Error} when the client cannot be loaded or the first token cannot be asked for
 */
export async function startCurrentGeneration(config: PageConfig, bearerToken: string | undefined): Promise<void> {
  if (config.connectClientUrl === undefined) throw new Error('config.json: "connectClientUrl" is required');
  view.generation.textContent = 'current (humanapi-connect-client: a token the server mints)';
  view.publicToken.textContent = 'not used: the server mints a token each time Connect opens';
  view.postMode.textContent = 'nothing is posted: Connect tells Human API directly';
  const client = await loadConnectClient(config.connectClientUrl);
  const page: CurrentPage = {
    config,
    client,
    bearerToken,
    email: undefined,
    token: undefined,
    connectedSinceOpen: false,
  };
  client.on('error', (value) => void onClientError(page, value));
  view.connectButton.addEventListener('click', () => void openConnect(page));
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
