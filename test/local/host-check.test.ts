import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../local/host-check.js';

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1:3000', '127.0.0.1', 'localhost:3001', 'LOCALHOST:3001', 'localhost', '[::1]:3000', '[::1]'])(
    'serves %s',
    (host) => {
      expect(isLoopbackHost(host)).toBe(true);
    },
  );

  it.each([
    ['a rebinding domain', 'attacker.example.com:3000'],
    ['a domain ending like localhost', 'evil-localhost:3000'],
    ['localhost as a subdomain', 'localhost.attacker.example.com'],
    ['another loopback address', '127.0.0.2:3000'],
    ['a LAN address', '192.168.1.20:3000'],
    ['an unbracketed IPv6 loopback', '::1'],
    ['a port with letters', 'localhost:30x0'],
    ['no Host header', undefined],
    ['an empty Host header', ''],
  ])('refuses %s', (_case, host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});
