/**
 * The cold-start floor's transport: AWS JSON requests signed with `@smithy/signature-v4` and
 * JSON posts, over `node:http(s)` with a keep-alive agent. Nothing else: no SDK client, no
 * middleware stack, no retries. Bundled with the stack's options, like the functions.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Agent, IncomingMessage, RequestOptions } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';

/** What a request answered. */
export interface FloorAnswer {
  readonly status: number;
  readonly text: string;
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  return data instanceof ArrayBuffer
    ? new Uint8Array(data)
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** SHA-256 (or its HMAC) over node:crypto, in the shape the signer wants. */
class NodeSha256 {
  #hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
}

const agents = new Map<string, Agent>();

/** POSTs `body` to `url` and reads the whole answer. */
export function post(url: URL, headers: Record<string, string>, body: string): Promise<FloorAnswer> {
  return send(url, 'POST', { ...headers, 'content-length': `${Buffer.byteLength(body)}` }, body);
}

/** GETs `url` with `headers` (keep-alive, as {@link post}) and reads the whole answer. */
export function get(url: URL, headers: Record<string, string>): Promise<FloorAnswer> {
  return send(url, 'GET', headers);
}

/** One request on the protocol's keep-alive agent, the whole answer read as text. */
function send(url: URL, method: string, headers: Record<string, string>, body?: string): Promise<FloorAnswer> {
  const http = process.getBuiltinModule(url.protocol === 'https:' ? 'node:https' : 'node:http');
  let agent = agents.get(url.protocol);
  if (agent === undefined) {
    agent = new http.Agent({ keepAlive: true });
    agents.set(url.protocol, agent);
  }
  const options: RequestOptions = { method, agent, headers };
  return new Promise((resolve, reject) => {
    const request = http.request(url, options, (response: IncomingMessage) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** A signed AWS JSON-protocol call (`X-Amz-Target`) to `service`, answering the parsed body. */
export function createAwsJsonCaller(
  service: 'dynamodb' | 'secretsmanager' | 'kms',
  endpointVariable: string,
  jsonVersion: '1.0' | '1.1',
): (target: string, input: object) => Promise<Record<string, unknown>> {
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const endpoint = new URL(process.env[endpointVariable] ?? `https://${service}.${region}.amazonaws.com`);
  const signer = new SignatureV4({
    service,
    region,
    sha256: NodeSha256,
    credentials: {
      accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? '',
      sessionToken: process.env.AWS_SESSION_TOKEN,
    },
  });
  return async (target, input) => {
    const body = JSON.stringify(input);
    const signed = await signer.sign({
      method: 'POST',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      port: endpoint.port === '' ? undefined : Number(endpoint.port),
      path: '/',
      headers: {
        host: endpoint.host,
        'content-type': `application/x-amz-json-${jsonVersion}`,
        'x-amz-target': target,
      },
      body,
    });
    const answer = await post(endpoint, signed.headers, body);
    if (answer.status !== 200) throw new Error(`${target} answered ${answer.status}: ${answer.text.slice(0, 200)}`);
    const parsed: unknown = JSON.parse(answer.text);
    if (typeof parsed !== 'object' || parsed === null) throw new Error(`${target} answered no object`);
    return { ...parsed };
  };
}
