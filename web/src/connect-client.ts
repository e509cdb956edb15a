/**
 * The browser API of `humanapi-connect-client` 2.x (the current generation,
 * docs/design.md#connect-flows), typed, and a loader for its script: Connect opens with a token
 * the back end minted, and reports what the user did through callbacks and `on(event)`.
 */

import { loadScript } from './load-script.js';

/** A source in the package's payloads. */
export interface ConnectSource {
  readonly id: string;
  readonly name: string;
}

/** What `error` listeners receive, e.g. `{ code: 401, message: 'Unknown or expired token' }`. */
export interface ConnectClientError {
  readonly code: number | string | undefined;
  readonly message: string;
}

/** Options of `HumanConnect.open`. */
export interface ConnectClientOptions {
  /** The token `POST /connect-tokens` minted. */
  readonly token: string;
  readonly onConnectSource?: (payload: unknown) => void;
  readonly onDisconnectSource?: (payload: unknown) => void;
  readonly onClose?: (payload: unknown) => void;
}

/** The `HumanConnect` global the package's browser build defines. */
export interface ConnectClient {
  open(options: ConnectClientOptions): void;
  on(event: 'connect' | 'disconnect' | 'close' | 'error', listener: (payload: unknown) => void): void;
  /** Closes an open Connect, where the build offers it. */
  readonly close?: () => void;
}

/** The client script could not be loaded, or defines no `HumanConnect` with `open` and `on`. */
export class ConnectClientLoadError extends Error {
  constructor(src: string) {
    super(`humanapi-connect-client could not be loaded from ${src}`);
    this.name = 'ConnectClientLoadError';
  }
}

function readClient(): ConnectClient | undefined {
  const value: unknown = Reflect.get(window, 'HumanConnect');
  if (typeof value !== 'object' || value === null) return undefined;
  const open: unknown = Reflect.get(value, 'open');
  const on: unknown = Reflect.get(value, 'on');
  const close: unknown = Reflect.get(value, 'close');
  if (typeof open !== 'function' || typeof on !== 'function') return undefined;
  return {
    open: (options) => Reflect.apply(open, value, [options]),
    on: (event, listener) => Reflect.apply(on, value, [event, listener]),
    ...(typeof close === 'function' ? { close: () => Reflect.apply(close, value, []) } : {}),
  };
}

/**
 * Adds the client's `<script>` to the page and resolves its `HumanConnect`.
 *
 * @throws {ConnectClientLoadError} when the script fails to load or defines no usable `HumanConnect`
 */
export function loadConnectClient(src: string): Promise<ConnectClient> {
  return loadScript(src, readClient, () => new ConnectClientLoadError(src));
}

function sourcesOf(value: unknown): ConnectSource[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) return [];
    const id: unknown = Reflect.get(entry, 'id');
    const name: unknown = Reflect.get(entry, 'name');
    if (typeof id !== 'string') return [];
    return [{ id, name: typeof name === 'string' && name !== '' ? name : id }];
  });
}

/** The sources a payload says were connected in this session (tolerant: unknown shapes give none). */
export function connectedSourcesOf(payload: unknown): ConnectSource[] {
  if (typeof payload !== 'object' || payload === null) return [];
  const results: unknown = Reflect.get(payload, 'sessionResults');
  if (typeof results !== 'object' || results === null) return [];
  return sourcesOf(Reflect.get(results, 'connectedSources'));
}

/** An `error` listener's argument, read tolerantly. */
export function readClientError(value: unknown): ConnectClientError {
  if (typeof value !== 'object' || value === null) return { code: undefined, message: String(value) };
  const code: unknown = Reflect.get(value, 'code');
  const message: unknown = Reflect.get(value, 'message');
  return {
    code: typeof code === 'number' || typeof code === 'string' ? code : undefined,
    message: typeof message === 'string' ? message : 'Connect reported an error',
  };
}
