/**
 * SIGTERM and SIGINT on a real samlgate process: stop accepting, let in-flight requests finish,
 * close the databases, exit 0 (regression: shutdown cut in-flight requests off with no response).
 * And the server timeouts: a slow request body is cut instead of held for Node's 300 s default.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { startServices } from '../../src/server.ts';
import { connectionCapOf } from '../../src/http/connection-cap.ts';
import { freePorts, startSamlgate } from '../support/samlgate-process.ts';

/** Sends a request's headers and part of its body; returns a function sending the rest, and the raw response. */
function heldRequest(port: number, head: string, body: string) {
  const socket = net.connect(port, '127.0.0.1');
  let raw = '';
  socket.on('data', (d) => (raw += d));
  const ended = new Promise<string>((resolve) => {
    socket.on('close', () => resolve(raw));
    socket.on('error', () => resolve(raw));
  });
  socket.write(`${head}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 3)}`);
  return { finish: () => socket.write(body.slice(3)), ended };
}

const connectRefused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });

describe('graceful shutdown', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`regression: ${signal} cut in-flight requests off; now it finishes them, closes the databases and exits 0`, async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'samlgate-shutdown-'));
      const ports = await freePorts();
      const p = await startSamlgate(dir, ports, ['--clock', 'manual', '--log-level', 'silent']);
      const held = heldRequest(ports.gateway, `POST /api/v2/_sim/clock HTTP/1.1\r\nHost: localhost:${ports.gateway}\r\nContent-Type: application/json\r\nConnection: keep-alive\r\n`, '{"advance":"1h"}');
      await new Promise((r) => setTimeout(r, 300));
      p.child.kill(signal);
      // Stops accepting: new connections are refused while the held request is still open.
      let refused = false;
      for (let i = 0; i < 50 && !refused; i++) {
        refused = await connectRefused(ports.gateway);
        if (!refused) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(refused, 'the gateway stopped accepting connections');
      assert.equal(p.child.exitCode, null, 'still running while a request is in flight');
      held.finish();
      const raw = await held.ended;
      assert.match(raw, /^HTTP\/1\.1 200 OK/, raw);
      assert.match(raw, /"now":"/);
      const { code } = await p.exited;
      assert.equal(code, 0);
      assert.equal(existsSync(path.join(dir, 'gateway.lock')), false, 'the lock was released: the database was closed');
      assert.equal(existsSync(path.join(dir, 'gateway.db-wal')) ? (await import('node:fs')).statSync(path.join(dir, 'gateway.db-wal')).size : 0, 0, 'the WAL was checkpointed into gateway.db');
    });
  }
});

describe('server timeouts', () => {
  it('regression: a slow request body was held for 300 s; now the request timeout cuts it with 408', async () => {
    const config = resolveConfig({}, { data: ':memory:', 'gateway.port': 0, 'idp.port': 0 });
    const services = await startServices(config, { idp: false, gateway: true }, { logger: silentLogger, limits: { requestTimeoutMs: 1_000, headersTimeoutMs: 1_000 } });
    try {
      const port = (services.gateway!.server.address() as net.AddressInfo).port;
      const t0 = performance.now();
      const held = heldRequest(port, `POST /app/settings/tokens HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n`, 'description=slow-body');
      const raw = await held.ended;
      const seconds = (performance.now() - t0) / 1000;
      assert.match(raw, /^HTTP\/1\.1 408 Request Timeout/);
      assert.ok(seconds < 10, `cut after ${seconds.toFixed(1)} s`);
    } finally {
      await services.close();
    }
  });

  it('the limits are set on both servers: headers and request timeouts, keep-alive, a connection cap', async () => {
    const config = resolveConfig({}, { data: ':memory:', 'gateway.port': 0, 'idp.port': 0 });
    const services = await startServices(config, { idp: true, gateway: true }, { logger: silentLogger });
    try {
      for (const s of [services.gateway!.server, services.idp!.server]) {
        assert.equal(s.headersTimeout, 15_000);
        assert.equal(s.requestTimeout, 30_000);
        assert.equal(s.keepAliveTimeout, 5_000);
        // The cap is ours (idle sockets make room), not node's maxConnections (which refuses at once).
        assert.deepEqual(connectionCapOf(s), { maxConnections: 2_000, maxPerAddress: 1_000, silentGraceMs: 1_000 });
        assert.ok(!(s.maxConnections < Infinity), 'node\'s own cap stays unset');
      }
    } finally {
      await services.close();
    }
  });
});
