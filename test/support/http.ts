/** Small HTTP helpers for tests that talk to local mode over loopback. */

/** An answer, with its body parsed when it is JSON. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: Record<string, unknown>;
}

/** POSTs a body (an object is sent as JSON unless `contentType` says otherwise). */
export async function post(
  url: string,
  body: unknown,
  { contentType = 'application/json', headers = {} }: { contentType?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON: tests read `text`.
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** The sessionTokenObject the sandbox's connect.js would hand to `finish`. */
export interface SessionTokenObject {
  readonly humanId: string;
  readonly clientId: string;
  readonly sessionToken: string;
  readonly userId: string;
}

/** Mints a sessionTokenObject for `clientUserId` from the sandbox. */
export async function mintSession(
  apiUrl: string,
  clientUserId: string,
  clientId?: string,
): Promise<SessionTokenObject> {
  const answer = await post(`${apiUrl}/sandbox/humanapi/v1/connect/sessions`, {
    clientUserId,
    ...(clientId === undefined ? {} : { clientId }),
  });
  if (answer.status !== 201) throw new Error(`minting a session failed: ${answer.status} ${answer.text}`);
  return answer.json as unknown as SessionTokenObject;
}

/** Queues a Human API sandbox fault. */
export async function injectHumanApiFault(
  apiUrl: string,
  fault: { status?: number; delayMs?: number; count?: number; body?: string; reset?: boolean },
): Promise<void> {
  const answer = await post(`${apiUrl}/sandbox/humanapi/faults`, fault);
  if (answer.status !== 201) throw new Error(`injecting a fault failed: ${answer.status}`);
}
