/**
 * The page's elements and its messages, shared by both generations' flows: the notice line
 * (`role="status"`), the error box (`role="alert"`) and `<body data-state>`.
 */
import { ApiError } from './api.js';

/** Where the page is: tests and styles read `<body data-state>`. */
export type PageStateName = 'loading' | 'ready' | 'saving' | 'failed';

/** The element of index.html with `id`. @throws {Error} when index.html lacks it */
export function element<T extends Element = HTMLElement>(id: string): T {
  const found: Element | null = document.getElementById(id);
  if (found === null) throw new Error(`#${id} is missing from index.html`);
  return found as T;
}

/** The elements of index.html the page drives. */
export const view = {
  userForm: element<HTMLFormElement>('user-form'),
  userInput: element<HTMLInputElement>('client-user-id'),
  account: element('account'),
  mode: element('mode'),
  publicToken: element('public-token'),
  humanId: element('human-id'),
  signedIn: element('signed-in'),
  postMode: element('post-mode'),
  connectButton: element<HTMLButtonElement>('connect-health-data-btn'),
  /** The button's `.hapi__token-container` (the current generation's client binds the button in it). */
  connectContainer: element('connect-container'),
  sourcesLabel: element('sources-label'),
  sources: element('sources'),
  notice: element('notice'),
  error: element('error'),
  errorTitle: element('error-title'),
  errorDetail: element('error-detail'),
  errorHint: element('error-hint'),
  retrySave: element<HTMLButtonElement>('retry-save'),
  generation: element('generation'),
  emailForm: element<HTMLFormElement>('email-form'),
  emailInput: element<HTMLInputElement>('email'),
  emailProblem: element('email-problem'),
  signOut: element<HTMLButtonElement>('sign-out'),
};

/** Sets `<body data-state>` and marks the account card busy while loading or saving. */
export function setState(state: PageStateName): void {
  document.body.dataset.state = state;
  view.account.setAttribute('aria-busy', String(state === 'saving' || state === 'loading'));
}

/** Shows a status line (and hides the error box). */
export function showNotice(text: string): void {
  view.error.hidden = true;
  view.notice.textContent = text;
  view.notice.hidden = false;
}

/**
 * Shows the error box; with `retry`, a button (labelled `retryLabel`) that calls it, focused.
 */
export function showError(
  title: string,
  detail = '',
  hint = '',
  retry?: () => void,
  retryLabel = 'Try saving again',
): void {
  view.notice.hidden = true;
  view.errorTitle.textContent = title;
  view.errorDetail.textContent = detail;
  view.errorHint.textContent = hint;
  view.errorHint.hidden = hint === '';
  view.retrySave.hidden = retry === undefined;
  view.retrySave.onclick = retry ?? null;
  view.retrySave.textContent = retryLabel;
  view.error.hidden = false;
  if (retry !== undefined) view.retrySave.focus();
}

/** Hides the notice and the error box. */
export function clearMessages(): void {
  view.notice.hidden = true;
  view.error.hidden = true;
}

/** A failure in a title and a detail, for the error box. */
export function describeFailure(error: unknown): { title: string; detail: string } {
  if (error instanceof ApiError) {
    return { title: error.status === 0 ? error.title : `${error.status} ${error.title}`, detail: error.detail ?? '' };
  }
  return { title: 'Something went wrong', detail: error instanceof Error ? error.message : String(error) };
}

/** Shows any failure: an API answer, a sign-in or configuration problem, or something unexpected. */
export function showFailure(error: unknown, hint = ''): void {
  const { title, detail } = describeFailure(error);
  showError(title, detail, hint);
}
