/**
 * The loopback rule notification delivery is built on (docs/security.md, "Notification delivery
 * never reaches beyond loopback"): only literal loopback hosts are connected to, and `localhost`
 * is pinned to 127.0.0.1 without asking a resolver.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { loopbackAddress } from '../../src/api/notification-delivery.ts';

it('only literal loopback hosts are delivered to; look-alikes, mapped addresses and private ranges are not', () => {
  const rows: Array<[string, string | undefined]> = [
    ['localhost', '127.0.0.1'],
    ['LOCALHOST', '127.0.0.1'],
    ['127.0.0.1', '127.0.0.1'],
    ['127.255.0.9', '127.255.0.9'],
    ['[::1]', '::1'],
    ['::1', '::1'],
    ['localhost.', undefined],
    ['127.0.0.1.example.com', undefined],
    ['localhost.example.com', undefined],
    ['[::ffff:127.0.0.1]', undefined],
    ['0.0.0.0', undefined],
    ['10.255.255.1', undefined],
    ['169.254.169.254', undefined],
    ['192.168.1.1', undefined],
    ['example.com', undefined],
  ];
  for (const [host, expected] of rows) assert.equal(loopbackAddress(host), expected, host);
});
