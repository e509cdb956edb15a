/**
 * The example page (Human API's web guide, docs/design.md#connect-flows): the Connect Health
 * Data button opens `HumanConnect.open` in create mode for a new user
 * (`publicToken: ''`) and in edit mode for a returning one; `finish` posts the
 * sessionTokenObject as-is to `POST /sessions` and reloads with the returned
 * publicToken; `close` and `error` are shown to the user. In JWT mode it signs
 * in, sends `Authorization: Bearer`, and recovers a missing publicToken from
 * `POST /public-tokens`.
 *
 * The user is `?user=<clientUserId>`; `?post=form` posts sessions the way
 * jQuery's `$.post` does.
 */
import { ApiError, finishSession, type PostMode, recoverPublicToken } from './api.js';
import { signIn } from './auth.js';
import { loadPageConfig, type PageConfig } from './config.js';
import { type HumanConnect, type HumanConnectError, loadConnectJs, type SessionTokenObject } from './human-connect.js';
import { readConnection, type StoredConnection, saveConnection } from './token-store.js';

/** Where the page is: tests and styles read `<body data-state>`. */
type PageStateName = 'loading' | 'ready' | 'saving' | 'failed';

/** Everything the button needs once the page is ready. */
interface ReadyPage {
  readonly config: PageConfig;
  readonly humanConnect: HumanConnect;
  readonly clientUserId: string;
  readonly postMode: PostMode;
  readonly bearerToken: string | undefined;
  /** What Connect opens with; replaced when a stale publicToken is recovered. */
  connection: StoredConnection | undefined;
}

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`#${id} is missing from index.html`);
  return found as T;
}

const view = {
  userForm: element<HTMLFormElement>('user-form'),
  userInput: element<HTMLInputElement>('client-user-id'),
  mode: element('mode'),
  publicToken: element('public-token'),
  humanId: element('human-id'),
  signedIn: element('signed-in'),
  postMode: element('post-mode'),
  connectButton: element<HTMLButtonElement>('connect-health-data-btn'),
  notice: element('notice'),
  error: element('error'),
  errorTitle: element('error-title'),
  errorDetail: element('error-detail'),
  errorHint: element('error-hint'),
};

function setState(state: PageStateName): void {
  document.body.dataset.state = state;
}

function showNotice(text: string): void {
  view.error.hidden = true;
  view.notice.textContent = text;
  view.notice.hidden = false;
}

function showError(title: string, detail = '', hint = ''): void {
  view.notice.hidden = true;
  view.errorTitle.textContent = title;
  view.errorDetail.textContent = detail;
  view.errorHint.textContent = hint;
  view.errorHint.hidden = hint === '';
  view.error.hidden = false;
}

function clearMessages(): void {
  view.notice.hidden = true;
  view.error.hidden = true;
}

/** Shows any failure: an API answer, a sign-in or configuration problem, or something unexpected. */
function showFailure(error: unknown): void {
  if (error instanceof ApiError) {
    showError(error.status === 0 ? error.title : `${error.status} ${error.title}`, error.detail ?? '');
  } else if (error instanceof Error) {
    showError('Something went wrong', error.message);
  } else {
    showError('Something went wrong', String(error));
  }
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

async function onFinish(page: ReadyPage, error: unknown, sessionTokenObject: SessionTokenObject): Promise<void> {
  if (error !== null && error !== undefined) {
    showError('Connect did not finish', error instanceof Error ? error.message : String(error));
    return;
  }
  setState('saving');
  view.connectButton.disabled = true;
  showNotice('Saving your connection…');
  try {
    const connection = await finishSession(page.config, sessionTokenObject, {
      mode: page.postMode,
      bearerToken: page.bearerToken,
    });
    saveConnection(page.clientUserId, { publicToken: connection.publicToken, humanId: connection.humanId });
    // The web guide's step after finish: reload, so the button opens Connect in edit mode with the new publicToken.
    location.reload();
  } catch (failure) {
    setState('ready');
    view.connectButton.disabled = false;
    showFailure(failure);
  }
}

/** In JWT mode, asks the API for the user's current publicToken after Connect refused the one the page had. */
async function recoverAfterRefusal(page: ReadyPage, error: HumanConnectError): Promise<void> {
  const title = `${error.code} ${error.message}`;
  try {
    const recovered = await recoverPublicToken(page.config, page.clientUserId, page.bearerToken);
    if (recovered === undefined) {
      showError(title, error.detailedMessage ?? '', 'The API has no publicToken for you either.');
      return;
    }
    page.connection = { publicToken: recovered.publicToken, humanId: recovered.humanId };
    saveConnection(page.clientUserId, page.connection);
    renderConnection(page.connection);
    showError(
      title,
      error.detailedMessage ?? '',
      'Recovered your current publicToken from the API (POST /public-tokens): click Connect Health Data again.',
    );
  } catch (failure) {
    showFailure(failure);
  }
}

function onConnectError(page: ReadyPage, error: HumanConnectError): void {
  if (error.message === 'User Already Exists' && page.config.jwtMode) {
    void recoverAfterRefusal(page, error);
    return;
  }
  const hint =
    error.message === 'User Already Exists'
      ? 'Open this page where your publicToken is stored, or have your back end recover it (POST /public-tokens).'
      : '';
  showError(`${error.code} ${error.message}`, error.detailedMessage ?? '', hint);
}

function openConnect(page: ReadyPage): void {
  clearMessages();
  page.humanConnect.open({
    clientUserId: page.clientUserId,
    clientId: page.config.clientId,
    publicToken: page.connection?.publicToken ?? '',
    finish: (error, sessionTokenObject) => void onFinish(page, error, sessionTokenObject),
    close: () => showNotice('You closed Connect without connecting a new source.'),
    error: (error) => onConnectError(page, error),
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
    loadConnectJs(config.connectJsUrl),
    config.jwtMode ? signIn(config, clientUserId) : Promise.resolve(undefined),
  ]);
  if (bearerToken !== undefined) view.signedIn.textContent = `as ${clientUserId} (Authorization: Bearer)`;

  let connection = readConnection(clientUserId);
  if (connection === undefined && config.jwtMode) {
    // New device or lost state: the API knows the signed-in user's publicToken, if any.
    const recovered = await recoverPublicToken(config, clientUserId, bearerToken);
    if (recovered !== undefined) {
      connection = { publicToken: recovered.publicToken, humanId: recovered.humanId };
      saveConnection(clientUserId, connection);
      showNotice('Recovered your publicToken from the API (POST /public-tokens).');
    }
  }
  renderConnection(connection);

  const page: ReadyPage = { config, humanConnect, clientUserId, postMode, bearerToken, connection };
  view.connectButton.addEventListener('click', () => openConnect(page));
  view.connectButton.disabled = false;
  setState('ready');
}

start().catch((error: unknown) => {
  setState('failed');
  view.mode.textContent = 'Unavailable';
  showFailure(error);
});
