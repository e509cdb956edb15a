/**
 * The example page as a user sees it: the Connect Health Data button, the
 * Connect dialog of the sandbox's connect.js, and what the page shows.
 */
import type { Locator, Page, Request } from 'playwright-core';
import { post } from '../../support/http.js';
import { signedPost } from '../../support/sigv4.js';

/** The page's (first) `POST /sessions` of a connection. */
export interface SessionsExchange {
  readonly request: Request;
  readonly status: number;
}

/** Options of {@link ConnectPage.open}. */
export interface OpenOptions {
  /** The clientUserId (`?user=`). */
  readonly user: string;
  /** `form` posts sessions as jQuery's `$.post` does (`?post=form`). */
  readonly post?: 'json' | 'form';
}

/** The example page in one browser. */
export class ConnectPage {
  private constructor(
    readonly page: Page,
    private readonly apiUrl: string,
  ) {}

  /** Opens the page served at `webUrl` and waits until it is ready (or failed). */
  static async open(page: Page, { webUrl, apiUrl }: { webUrl: string; apiUrl: string }, options: OpenOptions) {
    const query = new URLSearchParams({ user: options.user, ...(options.post === 'form' ? { post: 'form' } : {}) });
    await page.goto(`${webUrl}/?${query}`);
    const connectPage = new ConnectPage(page, apiUrl);
    await connectPage.settled();
    return connectPage;
  }

  /** Waits until the page is ready or failed. */
  async settled(): Promise<void> {
    await this.page.locator('body[data-state="ready"], body[data-state="failed"]').waitFor();
  }

  /** `create` or `edit`: the mode the button opens Connect in. */
  async mode(): Promise<string | null> {
    return this.page.locator('body').getAttribute('data-mode');
  }

  /** The publicToken the page shows (`none` in create mode). */
  async shownPublicToken(): Promise<string> {
    return (await this.page.locator('#public-token').textContent()) ?? '';
  }

  /** The humanId the page shows (`none` in create mode). */
  async shownHumanId(): Promise<string> {
    return (await this.page.locator('#human-id').textContent()) ?? '';
  }

  /** The Connect dialog of connect.js. */
  get dialog(): Locator {
    return this.page.getByRole('dialog', { name: 'Human API Connect' });
  }

  /** The page's error box. */
  get error(): Locator {
    return this.page.getByRole('alert');
  }

  /** The page's notice line. */
  get notice(): Locator {
    return this.page.locator('#notice');
  }

  /** Clicks the Connect Health Data button. */
  async clickConnectHealthData(): Promise<void> {
    await this.page.getByRole('button', { name: 'Connect Health Data' }).click();
  }

  /** In the open dialog: chooses `source` and clicks Connect. */
  async connectInDialog(source: string): Promise<void> {
    await this.dialog.getByRole('radio', { name: source }).check();
    await this.dialog.getByRole('button', { name: 'Connect', exact: true }).click();
  }

  /**
   * The whole user action: Connect Health Data, choose `source`, Connect. Waits
   * for the page's `POST /sessions` and until the page is done saving.
   */
  async connectSource(source: string): Promise<SessionsExchange> {
    await this.clickConnectHealthData();
    const answered = this.page.waitForResponse(
      (response) => response.url() === `${this.apiUrl}/sessions` && response.request().method() === 'POST',
    );
    await this.connectInDialog(source);
    const response = await answered;
    await this.settled();
    return { request: response.request(), status: response.status() };
  }
}

/**
 * The publicToken the API stored for a user, read back through `POST /public-tokens` (with
 * the bearer token in JWT mode, signed as the local IAM principal otherwise); `undefined` on 404.
 */
export async function storedPublicToken(
  apiUrl: string,
  clientUserId: string,
  bearerToken?: string,
): Promise<string | undefined> {
  const url = `${apiUrl}/public-tokens`;
  const answer =
    bearerToken === undefined
      ? await signedPost(url, { clientUserId })
      : await post(url, { clientUserId }, { headers: { authorization: `Bearer ${bearerToken}` } });
  if (answer.status === 404) return undefined;
  if (answer.status !== 200 || typeof answer.json.publicToken !== 'string') {
    throw new Error(`POST /public-tokens answered ${answer.status}: ${answer.text}`);
  }
  return answer.json.publicToken;
}
