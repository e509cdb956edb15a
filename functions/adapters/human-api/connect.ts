/**
 * Human API's v1 Connect endpoints (docs/design.md#human-api), over the shared transport
 * (./transport.ts: https, timeout, keep-alive, no redirects, 64 KiB cap, status translation),
 * with the answers validated before use.
 */
import * as z from 'zod/mini';
import { boundedToken } from '../../contract/fields.js';
import type { HumanApiConnect, SessionExchange } from '../../domain/service-ports.js';
import { HumanApiTransport, type HumanApiTransportOptions } from './transport.js';

const tokensAnswerSchema = z.object({
  humanId: boundedToken,
  accessToken: boundedToken,
  publicToken: boundedToken,
  clientId: boundedToken,
  // Checked against the clientUserId rules by the domain, which answers 502 when it fails them.
  clientUserId: z.string().check(z.minLength(1), z.maxLength(1024)),
});

const publicTokensAnswerSchema = z.object({ humanId: boundedToken, publicToken: boundedToken });

/** The two v1 calls this product makes. */
export class HumanApiConnectClient implements HumanApiConnect {
  private readonly transport: HumanApiTransport;

  /** @throws {HumanApiFailedError} when `baseUrl` is neither https nor http on a loopback host */
  constructor(options: HumanApiTransportOptions) {
    this.transport = new HumanApiTransport(options);
  }

  exchangeSessionToken({
    humanId,
    clientId,
    sessionToken,
    clientSecret,
  }: Parameters<HumanApiConnect['exchangeSessionToken']>[0]): Promise<SessionExchange> {
    // Only the three documented session fields, with the secret (docs/design.md#human-api).
    return this.transport.postJson(
      '/v1/connect/tokens',
      { humanId, clientId, sessionToken, clientSecret },
      tokensAnswerSchema,
    );
  }

  createPublicToken({ humanId, clientId, clientSecret }: Parameters<HumanApiConnect['createPublicToken']>[0]) {
    return this.transport.postJson(
      '/v1/connect/publictokens',
      { humanId, clientId, clientSecret },
      publicTokensAnswerSchema,
    );
  }
}
