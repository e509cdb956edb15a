/**
 * The browser API of `humanapi-connect-client` 2.x (the current generation,
 * docs/connect-generations.md), typed, and a loader for its script. The page uses the package's
 * recommended, declarative API: an element with `data-hapi-token` inside a `.hapi__token-container`
 * opens Connect with the token it carries when clicked, and `HumanConnect.on(event, listener)`
 * reports what the user did. The package's `HumanConnect.open({ token })` is deprecated (it logs a
 * deprecation warning), so it is not part of what the page uses.
 */

import { loadScript } from './load-script.js';

/** A source in the package's payloads. */
export interface ConnectSource {
  readonly id: string;
  readonly name: string;
}

/**
 * What `connect`, `disconnect` and `close` listeners receive, as the package documents it:
 * `sessionResults` covers this opening of Connect, `currentConnections` every source the user has
 * connected now.
 */
export interface ConnectEventPayload {
  readonly sessionResults: {
    readonly connectedSources: readonly ConnectSource[];
    readonly disconnectedSources: readonly ConnectSource[];
    /** Providers the user asked Human API to add; this page does not use them. */
    readonly requestedSources: readonly unknown[];
  };
  readonly currentConnections: readonly ConnectSource[];
  readonly requestedProviders: readonly unknown[];
}

/** The events of `HumanConnect.on`. */
export type ConnectClientEvent = 'connect' | 'disconnect' | 'close' | 'error';

/** What `error` listeners receive, read tolerantly, e.g. `{ code: 401, message: 'Unknown or expired token' }`. */
export interface ConnectClientError {
  readonly code: number | string | undefined;
  readonly message: string;
}

/** The `HumanConnect` global the package's browser build defines, as far as the page uses it. */
export interface ConnectClient {
  /**
   * Adds a listener. `connect`, `disconnect` and `close` receive a {@link ConnectEventPayload};
   * `error` a message, or `{ code, message }` (read them with {@link readConnectEvent} and
   * {@link readClientError}: a payload is never trusted to have its shape).
   */
  on(event: ConnectClientEvent, listener: (payload: unknown) => void): void;
  /** Closes an open Connect. The package has no such call; the sandbox's stand-in has. */
  readonly close?: () => void;
}

/** The client script could not be loaded, or defines no `HumanConnect` with `on`. */
export class ConnectClientLoadError extends Error {
  constructor(src: string) {
    super(`humanapi-connect-client could not be loaded from ${src}`);
    this.name = 'ConnectClientLoadError';
  }
}

function readClient(): ConnectClient | undefined {
  const value: unknown = Reflect.get(window, 'HumanConnect');
  if (typeof value !== 'object' || value === null) return undefined;
  const on: unknown = Reflect.get(value, 'on');
  const close: unknown = Reflect.get(value, 'close');
  if (typeof on !== 'function') return undefined;
  return {
    on: (event, listener) => Reflect.apply(on, value, [event, listener]),
    ...(typeof close === 'function' ? { close: () => Reflect.apply(close, value, []) } : {}),
  };
}

/**
 * Adds the client's `<script>` to the page and resolves its `HumanConnect`.
 *
 * The package binds its `[data-hapi-token]` elements when the window's `load` event fires (its
 * README: the `.hapi__token-container` must be there "on page load"). This page adds the script
 * only after it has read `/config.json`, usually after `load`; then it fires `load` once more, for
 * the client alone to bind the button (the page itself listens for no `load`). A page that includes
 * the script in its HTML needs none of this.
 *
 * @throws {ConnectClientLoadError} when the script fails to load or defines no usable `HumanConnect`
 */
export async function loadConnectClient(src: string): Promise<ConnectClient> {
  const missedLoad = readClient() === undefined && document.readyState === 'complete';
  const client = await loadScript(src, readClient, () => new ConnectClientLoadError(src));
  if (missedLoad) window.dispatchEvent(new Event('load'));
  return client;
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

/** What a `connect`, `disconnect` or `close` payload says, read tolerantly (see {@link readConnectEvent}). */
export interface ConnectEvent {
  /** Sources connected since Connect opened. */
  readonly connectedSources: readonly ConnectSource[];
  /** Sources disconnected since Connect opened. */
  readonly disconnectedSources: readonly ConnectSource[];
  /** Every source the user has connected now; `undefined` when the payload does not say. */
  readonly currentConnections: readonly ConnectSource[] | undefined;
}

/** Reads a {@link ConnectEventPayload} tolerantly: a missing or malformed list gives no sources. */
export function readConnectEvent(payload: unknown): ConnectEvent {
  const field = (value: unknown, name: string): unknown =>
    typeof value === 'object' && value !== null ? Reflect.get(value, name) : undefined;
  const results = field(payload, 'sessionResults');
  const current = field(payload, 'currentConnections');
  return {
    connectedSources: sourcesOf(field(results, 'connectedSources')),
    disconnectedSources: sourcesOf(field(results, 'disconnectedSources')),
    currentConnections: Array.isArray(current) ? sourcesOf(current) : undefined,
  };
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
