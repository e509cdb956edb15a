/**
 * What the current generation's page shows of its state (`./current-generation.ts`): the mode a
 * minted token opens Connect in, the user's connected sources, and the e-mail field Human API's
 * new user fills in.
 */
import type { ConnectToken } from './api.js';
import type { ConnectSource } from './connect-client.js';
import { view } from './page-view.js';

/** Shows the mode `token` opens Connect in, and the user's humanId. */
export function renderToken(token: ConnectToken | undefined): void {
  if (token === undefined) return;
  document.body.dataset.mode = token.mode;
  view.mode.textContent =
    token.mode === 'create'
      ? 'Create mode: a new user. Connect opens with a session token the server minted.'
      : 'Edit mode: you have connected before. Connect opens with an id_token the server minted, to add or manage sources.';
  view.humanId.textContent = token.humanId;
}

/** Shows the user's connected sources. */
export function renderSources(sources: readonly ConnectSource[]): void {
  view.sources.textContent = sources.length === 0 ? 'none' : sources.map((source) => source.name).join(', ');
}

/** Shows the e-mail field (create mode), with what was wrong with the last address when there was something. */
export function askForEmail(problem: string | undefined): void {
  document.body.dataset.mode = 'create';
  renderSources([]);
  view.mode.textContent = 'Create mode: a new user. Human API needs your e-mail address to create your account.';
  view.emailForm.hidden = false;
  view.connectButton.disabled = true;
  view.emailProblem.textContent = problem ?? '';
  view.emailProblem.hidden = problem === undefined;
  view.emailInput.setAttribute('aria-invalid', String(problem !== undefined));
  view.emailInput.focus();
}
