/**
 * freePort picks ports below the kernel's ephemeral range, so an outgoing connection of a busy
 * neighbour cannot take the port between the pick and the listen (regression: a test's
 * `samlgate start` failed with "the port is in use" while a flood test ran beside it).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { it } from 'node:test';
import { freePort } from '../../src/util/free-port.ts';

it('regression: a picked port is outside the ephemeral range, so outgoing connections never take it', async () => {
  const [start] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  const ports = await Promise.all(Array.from({ length: 50 }, () => freePort()));
  for (const p of ports) {
    assert.ok(p >= 20_000 && p < start!, `${p} is below the ephemeral range starting at ${start}`);
  }
  // And each one can really be listened on.
  for (const p of ports.slice(0, 5)) {
    await new Promise<void>((resolve, reject) => {
      const srv = net.createServer().once('error', reject).listen(p, '127.0.0.1', () => srv.close(() => resolve()));
    });
  }
});

it('a port taken by a listener is not handed out', async () => {
  const held: { p: number; srv: net.Server }[] = [];
  for (let i = 0; i < 20; i++) {
    const p = await freePort();
    const srv = net.createServer();
    await new Promise<void>((resolve, reject) => srv.once('error', reject).listen(p, '127.0.0.1', () => resolve()));
    held.push({ p, srv });
  }
  const taken = new Set(held.map((h) => h.p));
  for (let i = 0; i < 50; i++) assert.ok(!taken.has(await freePort()));
  await Promise.all(held.map((h) => new Promise((resolve) => h.srv.close(resolve))));
});
