/**
 * The rules a prop of `HumanConnectBackendProps` is checked with, each failing with an
 * {@link InvalidBackendPropsError} that names the prop (docs/deploy.md#configuration).
 */
import { isLoopbackHost } from '../functions/commons/config.js';
import { allowedOriginProblem } from '../functions/commons/cors-rules.js';
import type { WholeNumberRange } from '../functions/commons/limits.js';

/** Props that cannot work: the message names the prop and what is wrong. */
export class InvalidBackendPropsError extends Error {
  constructor(prop: string, problem: string, options?: ErrorOptions) {
    super(`HumanConnectBackend prop ${prop} ${problem}`, options);
    this.name = 'InvalidBackendPropsError';
  }
}

/** A non-empty text, trimmed. */
export function requireText(prop: string, value: string): string {
  const trimmed = value.trim();
  if (trimmed === '') throw new InvalidBackendPropsError(prop, 'must not be empty');
  return trimmed;
}

/** At least one exact origin (`scheme://host[:port]`), as the browser sends it. */
export function requireOrigins(origins: readonly string[]): string[] {
  if (origins.length === 0) throw new InvalidBackendPropsError('allowedOrigins', 'needs at least one origin');
  return origins.map((origin) => {
    const problem = allowedOriginProblem(origin);
    if (problem !== undefined) throw new InvalidBackendPropsError('allowedOrigins', problem);
    return origin;
  });
}

/** An absolute URL: https, http(s), or https with plain http only to a loopback host. */
export function requireHttpUrl(
  prop: string,
  value: string,
  { httpsOnly }: { httpsOnly: boolean | 'except-loopback' },
): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new InvalidBackendPropsError(prop, `must be an absolute URL, got "${value}"`);
  }
  if (httpsOnly === 'except-loopback') {
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname))) {
      throw new InvalidBackendPropsError(prop, `must be an https URL (http only on a loopback host), got "${value}"`);
    }
    return value;
  }
  const allowed = httpsOnly ? ['https:'] : ['https:', 'http:'];
  if (!allowed.includes(parsed.protocol)) {
    throw new InvalidBackendPropsError(prop, `must be an ${httpsOnly ? 'https' : 'http(s)'} URL, got "${value}"`);
  }
  return value;
}

/** A whole number within `range`. */
export function requireWholeNumber(prop: string, value: number, { min, max }: WholeNumberRange, unit: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidBackendPropsError(prop, `must be a whole number of ${unit} from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/** `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 characters>`. */
export const SECRET_COMPLETE_ARN = /^arn:[\w-]+:secretsmanager:[\w-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/;
/** `arn:<partition>:kms:<region>:<account>:key/<id>`. */
export const KMS_KEY_ARN = /^arn:[\w-]+:kms:[\w-]+:\d{12}:key\/[\w-]+$/;
/** `arn:<partition>:sns:<region>:<account>:<topic>`. */
export const SNS_TOPIC_ARN = /^arn:[\w-]+:sns:[\w-]+:\d{12}:[\w-]+$/;

/** A value matching `pattern`, described as `what` in the error. */
export function requirePattern(prop: string, value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) throw new InvalidBackendPropsError(prop, `must be ${what}, got "${value}"`);
  return value;
}
