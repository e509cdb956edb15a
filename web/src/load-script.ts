/**
 * Loads a third-party browser script once and resolves what it defines: both Connect generations
 * ship their client as a `<script>` that sets `window.HumanConnect`.
 */

/**
 * Resolves `read()` at once when the script already ran, else adds `<script src>` and resolves
 * `read()` after it loaded.
 *
 * @param failure - the error to reject with when the script fails to load or `read()` finds nothing
 */
export function loadScript<T>(src: string, read: () => T | undefined, failure: () => Error): Promise<T> {
  const loaded = read();
  if (loaded !== undefined) return Promise.resolve(loaded);
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.async = true;
    script.addEventListener('load', () => {
      const value = read();
      if (value === undefined) reject(failure());
      else resolve(value);
    });
    script.addEventListener('error', () => reject(failure()));
    document.head.append(script);
  });
}
