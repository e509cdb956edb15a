/**
 * The `HumanConnect` global that connect.js defines, typed, and a loader for
 * the script (Human API's web guide, docs/design.md#connect-flows).
 */

import { loadScript } from './load-script.js';

/** What `finish` receives: posted as-is to `POST /sessions`. */
export interface SessionTokenObject {
  readonly humanId: string;
  readonly clientId: string;
  readonly sessionToken: string;
  /** connect.js adds more (such as `userId`); the API ignores them. */
  readonly [field: string]: unknown;
}

/** What `error` receives, e.g. `{ code: 409, message: 'User Already Exists', detailedMessage }`. */
export interface HumanConnectError {
  readonly code: number | string;
  readonly message: string;
  readonly detailedMessage?: string;
}

/** Options of `HumanConnect.open`. */
export interface HumanConnectOptions {
  readonly clientUserId: string;
  readonly clientId: string;
  /** `''` for a new user (create mode), the stored one for a returning user (edit mode). */
  readonly publicToken: string;
  /** The user connected a source. */
  readonly finish: (error: unknown, sessionTokenObject: SessionTokenObject) => void;
  /** The user closed Connect without connecting a source. */
  readonly close: () => void;
  /** Connect refused to open, e.g. "User Already Exists". */
  readonly error: (error: HumanConnectError) => void;
}

/** The global connect.js defines. */
export interface HumanConnect {
  open(options: HumanConnectOptions): void;
}

declare global {
  interface Window {
    HumanConnect?: HumanConnect;
  }
}

/** connect.js could not be loaded. */
export class ConnectJsLoadError extends Error {
  constructor(src: string) {
    super(`connect.js could not be loaded from ${src}`);
    this.name = 'ConnectJsLoadError';
  }
}

/**
 * Adds the connect.js `<script>` to the page and resolves its `HumanConnect`.
 *
 * @throws {ConnectJsLoadError} when the script fails to load or defines no `HumanConnect`
 */
export function loadConnectJs(src: string): Promise<HumanConnect> {
  return loadScript(
    src,
    () => window.HumanConnect,
    () => new ConnectJsLoadError(src),
  );
}
