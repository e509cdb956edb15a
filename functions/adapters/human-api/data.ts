/**
 * Human API's data API, `GET {HUMANAPI_DATA_BASE_URL}/v1/human/{path}` with a user's access token
 * as a Bearer token (docs/design.md#the-data-gateway), over the shared transport (./transport.ts):
 * https only, no redirect followed, one timeout per call, the answer's size capped. The call is a
 * trace subsegment named by the path's template, never by its ids, and the token is in no log.
 */
import { traceHumanApiCall } from '../../commons/observability.js';
import { HumanApiRateLimitedError } from '../../domain/errors.js';
import { MAX_DATA_ANSWER_BYTES } from '../../domain/human-data.js';
import type { HumanDataAnswer, HumanDataApi } from '../../domain/human-data-ports.js';
import { HumanApiTransport, type HumanApiTransportOptions, retryAfterSeconds } from './transport.js';

/** The data API of one Human API origin. */
export class HumanApiDataClient implements HumanDataApi {
  private readonly transport: HumanApiTransport;

  /** @throws {HumanApiFailedError} when `baseUrl` is neither https nor http on a loopback host */
  constructor(options: HumanApiTransportOptions) {
    this.transport = new HumanApiTransport(options);
  }

  async get({
    pathAndQuery,
    pathTemplate,
    accessToken,
  }: {
    readonly pathAndQuery: string;
    readonly pathTemplate: string;
    readonly accessToken: string;
  }): Promise<HumanDataAnswer> {
    const answer = await traceHumanApiCall(pathTemplate, () =>
      this.transport.request({
        method: 'GET',
        path: pathAndQuery,
        headers: { Authorization: `Bearer ${accessToken}` },
        maxAnswerBytes: MAX_DATA_ANSWER_BYTES,
      }),
    );
    // Human API's own back-off, read as for every Human API call.
    if (answer.status === 429) throw new HumanApiRateLimitedError(retryAfterSeconds(answer.headers['retry-after']));
    return answer;
  }
}
