/**
 * What of a Human API error answer may be repeated to the caller and in logs: its error code
 * or message, only when it cannot carry a token. Human API's error answers are undocumented
 * (docs/design.md#human-api), so the text is taken from the usual fields and kept only when it
 * is short, printable and holds no run of characters long enough to be an ID or a token.
 */

/** The longest code or message repeated. */
const MAX_LENGTH = 120;
/** Printable ASCII only: nothing a terminal or a log parser would interpret. */
const PRINTABLE = /^[\x20-\x7e]+$/;
/** A run this long could be a humanId (24), a session token (32) or a key: never repeated. */
const TOKEN_LIKE = /[A-Za-z0-9_-]{16,}/;

function safeText(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '' || text.length > MAX_LENGTH || !PRINTABLE.test(text) || TOKEN_LIKE.test(text)) return undefined;
  return text;
}

/**
 * The safe error code and/or message of a Human API error answer (`"invalid_token: Session
 * token expired"`), or `undefined` when there is none or it is not safe to repeat.
 *
 * @param body - the answer's raw text
 */
export function describeUpstreamError(body: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const fields = new Map(Object.entries(json));
  const code = safeText(fields.get('code')) ?? safeText(fields.get('error'));
  const message = safeText(fields.get('message')) ?? safeText(fields.get('error_description'));
  if (code !== undefined && message !== undefined && code !== message) return `${code}: ${message}`;
  return code ?? message;
}
