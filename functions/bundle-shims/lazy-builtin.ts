/**
 * Stand-ins for `node:http`, `node:https` and `node:http2` in the Lambda bundles (the bundler
 * aliases those imports here, infra/function-bundling.ts). On Node.js 24 an ESM import of
 * `node:http` builds its module namespace, which evaluates the lazy `WebSocket`,
 * `CloseEvent` and `MessageEvent` getters and loads all of undici: 20–30 ms of every cold
 * start (docs/performance.md). Each stand-in takes the real module with
 * `process.getBuiltinModule` (no namespace, no getters) on first use, not at import.
 */

type Builtin = 'node:http' | 'node:https' | 'node:http2';

/** The real module, loaded on the first call. */
function loader(id: Builtin): () => Record<string | symbol, unknown> {
  let loaded: Record<string | symbol, unknown> | undefined;
  return () => {
    loaded ??= process.getBuiltinModule(id) as unknown as Record<string | symbol, unknown>;
    return loaded;
  };
}

/**
 * The module itself, as a default import sees it: each property read on first access.
 * (`Reflect` keeps `this` the real module for its functions.)
 */
export function lazyModule(id: Builtin): object {
  const load = loader(id);
  return new Proxy(
    {},
    {
      get: (_target, key) => Reflect.get(load(), key),
      has: (_target, key) => Reflect.has(load(), key),
    },
  );
}

/**
 * One export (a function, a class or a value) read on first use: calling, constructing
 * (`new Agent(…)`), `instanceof` and property reads all reach the real export.
 */
export function lazyExport(id: Builtin, name: string): never {
  const load = loader(id);
  const real = (): object => {
    const value = load()[name];
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null) {
      throw new TypeError(`${id} has no export ${name}`);
    }
    return value;
  };
  const proxy: unknown = new Proxy(function lazyExportTarget() {}, {
    apply: (_target, thisArg, args) => Reflect.apply(real() as (...args: unknown[]) => unknown, thisArg, args),
    construct: (_target, args) => Reflect.construct(real() as new (...args: unknown[]) => object, args),
    get: (_target, key) => Reflect.get(real(), key),
    has: (_target, key) => Reflect.has(real(), key),
  });
  // Typed as whatever the importer expects: the proxy forwards every use to the real export.
  return proxy as never;
}
