/**
 * The example page (Human API's web guide, docs/design.md#connect-flows): the Connect Health
 * Data button opens `HumanConnect.open` in create mode for a new user
 * (`publicToken: ''`) and in edit mode for a returning one; `finish` posts the
 * sessionTokenObject as-is to `POST /sessions` and shows the saved connection.
 *
 * It never leaves the user stuck:
 * - a save that fails for want of an answer (network, 5xx, 409) is retried with the
 *   same sessionTokenObject, then kept in sessionStorage and retried on the next load;
 * - a device without the publicToken asks for it before opening Connect (the app back
 *   end without JWT, `POST /public-tokens` in JWT mode), so a returning user gets edit
 *   mode, never "User Already Exists";
 * - when Connect refuses an outdated publicToken, the current one is recovered and
 *   Connect opens again with it.
 *
 * With `connectGeneration: "current"` in the page config the page opens the current generation
 * instead (`current-generation.ts`). The user is `?user=<clientUserId>`; `?post=form` posts sessions the way
 * jQuery's `$.post` does.
 */
import {
  finishSession,
  isRetryable,
  type PostMode,
  recoverFromApp,
  recoverPublicToken,
  type UserConnection,
} from './api.js';
import { loadPageConfig, type PageConfig } from './config.js';
import { startCurrentGeneration } from './current-generation.js';
import { createHealthPanel, type HealthPanel } from './health-panel.js';
import { type HumanConnect, type HumanConnectError, loadConnectJs, type SessionTokenObject } from './human-connect.js';
import { clearMessages, describeFailure, setState, showError, showFailure, showNotice, view } from './page-view.js';
import { offerSignOut, signInUser } from './session.js';
import {
  clearPendingSession,
  forgetConnection,
  readConnection,
  readPendingSession,
  type StoredConnection,
  saveConnection,
  savePendingSession,
  storageKey,
} from './token-store.js';

/** How long to wait before each try of a save: the first at once, then backing off (4 tries in all). */
const SAVE_DELAYS_MS = [0, 1000, 2000, 4000] as const;

/** Everything the button needs once the page is ready. */
interface ReadyPage {
  readonly config: PageConfig;
  readonly humanConnect: HumanConnect;
  readonly clientUserId: string;
  readonly postMode: PostMode;
  readonly bearerToken: string | undefined;
  /** What the app can read once the user has connected. */
  readonly panel: HealthPanel;
  /** What Connect opens with; replaced when a save succeeds or a stale publicToken is recovered. */
  connection: StoredConnection | undefined;
}

function renderConnection(connection: StoredConnection | undefined): void {
  document.body.dataset.mode = connection === undefined ? 'create' : 'edit';
  view.mode.textContent =
    connection === undefined
      ? 'Create mode: a new user. Connect opens with an empty publicToken.'
      : 'Edit mode: a returning user. Connect opens with your publicToken.';
  view.publicToken.textContent = connection?.publicToken ?? 'none';
  view.humanId.textContent = connection?.humanId ?? 'none';
}

function readLocation(): { clientUserId: string; postMode: PostMode } {
  const params = new URLSearchParams(location.search);
  return {
    clientUserId: (params.get('user') ?? '').trim(),
    postMode: params.get('post') === 'form' ? 'form' : 'json',
  };
}

function remember(page: ReadyPage, connection: UserConnection): void {
  page.connection = { publicToken: connection.publicToken, humanId: connection.humanId };
  saveConnection(page.clientUserId, page.connection);
  renderConnection(page.connection);
}

/** Asks for the user's current publicToken: the app back end without JWT, the API in JWT mode. */
async function recoverConnection(
  config: PageConfig,
  clientUserId: string,
  bearerToken: string | undefined,
  refresh = false,
): Promise<UserConnection | undefined> {
  if (config.jwtMode) return recoverPublicToken(config, clientUserId, bearerToken, refresh);
  if (config.appBackend) return recoverFromApp(refresh);
  return undefined;
}

const wait = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * Saves a sessionTokenObject, trying the same one again while no answer says it is refused.
 * It stays in sessionStorage until it is saved or refused, so a reload (or a crash) tries again.
 *
 * @returns whether it was saved
 */
async function saveSession(
  page: ReadyPage,
  sessionTokenObject: SessionTokenObject,
  earlier: boolean,
): Promise<boolean> {
  savePendingSession(page.clientUserId, sessionTokenObject);
  setState('saving');
  view.connectButton.disabled = true;
  let failure: unknown;
  for (const [index, delay] of SAVE_DELAYS_MS.entries()) {
    if (delay > 0) await wait(delay);
    showNotice(
      index === 0
        ? `Saving your connection${earlier ? ' from your last visit' : ''}…`
        : `Saving your connection… (try ${index + 1} of ${SAVE_DELAYS_MS.length})`,
    );
    try {
      const connection = await finishSession(page.config, sessionTokenObject, {
        mode: page.postMode,
        bearerToken: page.bearerToken,
      });
      clearPendingSession(page.clientUserId);
      const first = page.connection === undefined;
      remember(page, connection);
      // A new connection (or a connection again): what the app can read may have changed.
      page.panel.refresh();
      setState('ready');
      view.connectButton.disabled = false;
      showNotice(
        earlier
          ? 'Saved the connection from your last visit. Connect Health Data now opens in edit mode.'
          : first
            ? 'Connected: your health data source is saved. Connect Health Data now opens in edit mode, to add or manage sources.'
            : 'Connected: your new source is saved, with your new publicToken.',
      );
      return true;
    } catch (error) {
      failure = error;
      if (!isRetryable(error)) break;
    }
  }
  setState('ready');
  view.connectButton.disabled = false;
  const { title, detail } = describeFailure(failure);
  if (isRetryable(failure)) {
    showError(
      'Your connection is not saved yet',
      `${title}${detail === '' ? '' : `: ${detail}`}`,
      `Tried ${SAVE_DELAYS_MS.length} times. This tab keeps it and tries again when you reload the page, or now:`,
      () => void saveSession(page, sessionTokenObject, earlier),
    );
  } else {
    clearPendingSession(page.clientUserId);
    showError(title, detail, 'This connection cannot be saved: connect the source again.');
  }
  return false;
}

function onFinish(page: ReadyPage, error: unknown, sessionTokenObject: SessionTokenObject): void {
  if (error !== null && error !== undefined) {
    showError('Connect did not finish', error instanceof Error ? error.message : String(error));
    return;
  }
  void saveSession(page, sessionTokenObject, false);
}

/**
 * Connect refused the publicToken the page had ("User Already Exists"): asks for the current
 * one (a refreshed one when the stored one is the refused one too) and opens Connect again.
 */
async function recoverAfterRefusal(page: ReadyPage, error: HumanConnectError): Promise<void> {
  const refused = page.connection?.publicToken;
  try {
    let recovered = await recoverConnection(page.config, page.clientUserId, page.bearerToken);
    if (recovered !== undefined && recovered.publicToken === refused) {
      recovered = await recoverConnection(page.config, page.clientUserId, page.bearerToken, true);
    }
    if (recovered === undefined) {
      showError(
        `${error.code} ${error.message}`,
        error.detailedMessage ?? '',
        'Human API knows you, but this app has no record of your connection.',
      );
      return;
    }
    remember(page, recovered);
    page.panel.show();
    showNotice('Found your current connection: Connect opens in edit mode.');
    openConnect(page, false);
  } catch (failure) {
    showFailure(failure, 'Your current publicToken could not be recovered: try Connect Health Data again in a moment.');
  }
}

function onConnectError(page: ReadyPage, error: HumanConnectError, mayRecover: boolean): void {
  const canRecover = page.config.jwtMode || page.config.appBackend;
  if (error.message === 'User Already Exists' && canRecover && mayRecover) {
    void recoverAfterRefusal(page, error);
    return;
  }
  const hint =
    error.message === 'User Already Exists'
      ? 'Open this page where your publicToken is stored, or have your back end recover it (POST /public-tokens).'
      : '';
  showError(`${error.code} ${error.message}`, error.detailedMessage ?? '', hint);
}

/** Opens Connect; `mayRecover` allows one recovery of a refused publicToken per click. */
function openConnect(page: ReadyPage, mayRecover = true): void {
  if (mayRecover) clearMessages();
  page.humanConnect.open({
    clientUserId: page.clientUserId,
    clientId: page.config.clientId,
    publicToken: page.connection?.publicToken ?? '',
    finish: (error, sessionTokenObject) => onFinish(page, error, sessionTokenObject),
    close: () => showNotice('You closed Connect without connecting a new source.'),
    error: (error) => onConnectError(page, error, mayRecover),
  });
}

async function start(): Promise<void> {
  const { clientUserId, postMode } = readLocation();
  view.userInput.value = clientUserId;
  view.postMode.textContent =
    postMode === 'form' ? 'form-urlencoded, as jQuery $.post(url, obj) sends it' : 'JSON (fetch)';
  view.userForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const params = new URLSearchParams(location.search);
    params.set('user', view.userInput.value.trim());
    location.search = params.toString();
  });

  const config = await loadPageConfig();
  if (clientUserId === '') {
    view.mode.textContent = 'Enter your user ID to start.';
    setState('ready');
    return;
  }
  const [humanConnect, bearerToken] = await Promise.all([
    config.connectGeneration === 'current' ? undefined : loadConnectJs(config.connectJsUrl),
    signInUser(config, clientUserId),
  ]);
  // Connect again is the button's own flow, in either generation (a new user's e-mail first, if asked).
  const connectAgain = () => (view.emailForm.hidden ? view.connectButton.click() : view.emailInput.focus());
  const panel = createHealthPanel({ config, clientUserId, bearerToken, connectAgain });
  if (config.jwtMode || config.appBackend) offerSignOut(config, () => panel.stop());
  if (humanConnect === undefined) {
    await startCurrentGeneration(config, bearerToken, panel);
    return;
  }
  const page: ReadyPage = {
    config,
    humanConnect,
    clientUserId,
    postMode,
    bearerToken,
    panel,
    connection: readConnection(clientUserId),
  };
  // Human API no longer accepts the user (deleted there): Connect again opens as for a new user.
  panel.whenReconnectRequired(() => {
    page.connection = undefined;
    forgetConnection(clientUserId);
    renderConnection(undefined);
  });
  renderConnection(page.connection);
  if (page.connection !== undefined) panel.show();
  view.connectButton.addEventListener('click', () => openConnect(page));
  // Another tab of this user saved a newer publicToken: use it here too.
  window.addEventListener('storage', (event) => {
    if (event.key !== storageKey(clientUserId)) return;
    page.connection = readConnection(clientUserId);
    renderConnection(page.connection);
    if (page.connection !== undefined) panel.show();
  });

  const pending = readPendingSession(clientUserId);
  if (pending !== undefined) {
    await saveSession(page, pending, true);
    return;
  }
  if (page.connection === undefined) {
    // New device or lost state: the back end knows the user's publicToken, if any.
    try {
      const recovered = await recoverConnection(config, clientUserId, bearerToken);
      if (recovered !== undefined) {
        remember(page, recovered);
        panel.show();
        showNotice('Welcome back: recovered your publicToken from the server, so Connect opens in edit mode.');
      }
    } catch (failure) {
      // Not fatal: Connect will ask again if it refuses.
      showFailure(failure, 'Your earlier connection could not be looked up yet; Connect Health Data asks again.');
    }
  }
  view.connectButton.disabled = false;
  setState('ready');
}

start().catch((error: unknown) => {
  setState('failed');
  view.mode.textContent = 'Unavailable';
  showFailure(error);
});
