/**
 * The functions' time budget, shared by the CDK stack and local mode: one
 * Human API call, the retry after a credential refresh, and DynamoDB and
 * Secrets Manager with their SDK retries, kept under API Gateway's 30 s.
 */

import { API_GATEWAY_TIMEOUT_SECONDS, HUMAN_API_TIMEOUT_MS_RANGE } from './limits.js';

/** Room for DynamoDB, Secrets Manager and the runtime around the two Human API calls. */
const STORAGE_BUDGET_SECONDS = 5;

/**
 * Lambda timeout for a given Human API timeout: above two Human API calls plus
 * storage, and below API Gateway's 30 s.
 *
 * @throws {RangeError} when no such timeout exists (Human API timeout too long)
 */
export function functionTimeoutSeconds(humanApiTimeoutMs: number): number {
  const seconds = Math.ceil((2 * humanApiTimeoutMs) / 1000) + STORAGE_BUDGET_SECONDS;
  if (seconds >= API_GATEWAY_TIMEOUT_SECONDS) {
    throw new RangeError(
      `A Human API timeout of ${humanApiTimeoutMs} ms leaves no Lambda timeout under API Gateway's ${API_GATEWAY_TIMEOUT_SECONDS} s; use at most ${HUMAN_API_TIMEOUT_MS_RANGE.max} ms.`,
    );
  }
  return seconds;
}
