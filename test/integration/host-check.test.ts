import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalModeProcess, startLocalModeProcess } from '../support/local-mode.js';

let local: LocalModeProcess;

/** Sends a request with an explicit `Host` header, as a browser on a rebinding domain would. */
function send(url: string, host: string, method = 'GET'): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method, headers: { host, 'content-type': 'application/json' } }, (answer) => {
      answer.resume();
      answer.on('end', () => resolve(answer.statusCode ?? 0));
    });
    outgoing.setTimeout(10_000, () => outgoing.destroy(new Error('timed out')));
    outgoing.on('error', reject);
    outgoing.end(method === 'POST' ? '{}' : undefined);
  });
}

beforeAll(async () => {
  local = await startLocalModeProcess();
});

afterAll(async () => {
  await local?.stop();
});

describe('local servers behind a DNS-rebinding name', () => {
  it('answer 403 on the API, its sandbox routes and the front end when Host is not a loopback name', async () => {
    const port = (url: string) => new URL(url).port;

    expect(await send(`${local.apiUrl}/sessions`, `attacker.example.com:${port(local.apiUrl)}`, 'POST')).toBe(403);
    expect(await send(`${local.apiUrl}/sandbox/dynamodb/stats`, 'attacker.example.com')).toBe(403);
    expect(await send(`${local.webUrl}/config.json`, `attacker.example.com:${port(local.webUrl)}`)).toBe(403);
  });

  it('serve localhost and 127.0.0.1 with their port as before', async () => {
    const port = (url: string) => new URL(url).port;

    expect(await send(`${local.apiUrl}/sessions`, `localhost:${port(local.apiUrl)}`, 'POST')).toBe(400);
    expect(await send(`${local.webUrl}/config.json`, `127.0.0.1:${port(local.webUrl)}`)).toBe(200);
  });
});
