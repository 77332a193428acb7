/**
 * The connection cap against a real listening gateway on 127.0.0.1, with raw sockets: idle
 * sockets (silent ones, keep-alive ones after a request) cannot lock a real client out, one
 * address cannot take more than its share, and the headers timeout frees slots that look busy.
 * Sockets come from several loopback addresses (127.0.0.2, .3, ...) so the per-address share and
 * the global cap can be told apart.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { resolveConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { startServices, type HttpLimits, type Services } from '../../src/server.ts';

const running: Services[] = [];
after(async () => {
  for (const s of running) await s.close();
});

async function gateway(limits: Partial<HttpLimits>): Promise<number> {
  // Long keep-alive and headers timeouts unless a test is about them: a slot is then freed only by the cap.
  const services = await startServices(resolveConfig({}, { data: ':memory:', 'gateway.port': 0 }), { idp: false, gateway: true }, { logger: silentLogger, limits: { keepAliveTimeoutMs: 60_000, headersTimeoutMs: 60_000, requestTimeoutMs: 120_000, shutdownGraceMs: 100, ...limits } });
  running.push(services);
  return (services.gateway!.server.address() as net.AddressInfo).port;
}

interface RawSocket {
  socket: net.Socket;
  received: () => string;
  closed: Promise<void>;
}

/** A raw client socket from `from`; `send` is written once connected. Resolves when connected. */
function open(port: number, from: string, send = ''): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress: from });
    let data = '';
    socket.on('data', (d) => (data += d));
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      if (send) socket.write(send);
      resolve({ socket, received: () => data, closed });
    });
    socket.once('error', reject);
  });
}

const ping = (port: number) => `GET /api/v2/ping HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`;

/** A keep-alive socket that has had one full request and response, and is now idle. */
async function keptAlive(port: number, from: string): Promise<RawSocket> {
  const s = await open(port, from, ping(port));
  while (!/\r\n\r\n/.test(s.received())) await new Promise((r) => s.socket.once('data', r));
  assert.match(s.received(), /^HTTP\/1\.1 204 /);
  return s;
}

/** A real client's request (its own connection, no keep-alive): the status, or the error code. */
function realRequest(port: number, from: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/api/v2/ping', localAddress: from, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the connection cap', () => {
  it('regression: idle sockets filled the cap and a real client was refused; now the oldest idle keep-alive socket makes room', async () => {
    const port = await gateway({ maxConnections: 6 });
    // Three silent sockets from one address, three keep-alive sockets (one request each) from another: the cap is full.
    const silent = [await open(port, '127.0.0.2'), await open(port, '127.0.0.2'), await open(port, '127.0.0.2')];
    const kept = [await keptAlive(port, '127.0.0.3'), await keptAlive(port, '127.0.0.3'), await keptAlive(port, '127.0.0.3')];
    assert.equal(await realRequest(port, '127.0.0.4'), 204, 'the real request is answered');
    // The keep-alive socket idle longest was the one closed to make room.
    await kept[0]!.closed;
    assert.match(kept[0]!.received(), /^HTTP\/1\.1 204 /);
    for (const s of [...silent, ...kept]) s.socket.destroy();
  });

  it('a cap full of silent sockets: once past their grace, the oldest makes room for a real client', async () => {
    const port = await gateway({ maxConnections: 4, silentGraceMs: 50 });
    const silent = [await open(port, '127.0.0.2'), await open(port, '127.0.0.2'), await open(port, '127.0.0.3'), await open(port, '127.0.0.3')];
    // Past the grace on the same monotonic clock the server reads (a wait, not an assertion on time).
    await sleep(200);
    assert.equal(await realRequest(port, '127.0.0.4'), 204);
    await silent[0]!.closed;
    for (const s of silent) s.socket.destroy();
  });

  it('a keep-alive socket closed to make room was idle: it had its whole response and nothing half-written', async () => {
    const port = await gateway({ maxConnections: 2, maxConnectionsPerAddress: 2 });
    const a = await keptAlive(port, '127.0.0.2');
    const b = await keptAlive(port, '127.0.0.2');
    assert.equal(await realRequest(port, '127.0.0.3'), 204);
    await a.closed;
    assert.match(a.received(), /^HTTP\/1\.1 204 [^]*\r\n\r\n$/, 'only the one full response it asked for');
    b.socket.destroy();
  });

  it('no single address holds more than half the slots: its own idle sockets make room, its busy ones do not crowd others out', async () => {
    const port = await gateway({ maxConnections: 6 });
    // Five keep-alive sockets from one address: it keeps only its three newest.
    const kept: RawSocket[] = [];
    for (let i = 0; i < 5; i++) kept.push(await keptAlive(port, '127.0.0.2'));
    await Promise.all(kept.slice(0, 2).map((s) => s.closed));
    // Sockets that look busy (headers trickling in) from one address: three are taken, the rest refused.
    const trickling: RawSocket[] = [];
    for (let i = 0; i < 5; i++) trickling.push(await open(port, '127.0.0.3', `GET /api/v2/ping HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`));
    await Promise.all(trickling.slice(3).map((s) => s.closed));
    assert.equal(trickling[3]!.received(), '', 'refused before any answer');
    // The cap is full (idle and busy sockets): another address still gets an answer ...
    assert.equal(await realRequest(port, '127.0.0.4'), 204);
    // ... and the busy sockets were left alone: their requests complete.
    for (const s of trickling.slice(0, 3)) {
      s.socket.write('\r\n');
      while (!/\r\n\r\n/.test(s.received())) await new Promise((r) => s.socket.once('data', r));
      assert.match(s.received(), /^HTTP\/1\.1 204 /);
    }
    for (const s of [...kept, ...trickling]) s.socket.destroy();
  });

  it('when every slot is busy a new client is refused, and the headers timeout frees the slots', async () => {
    const port = await gateway({ maxConnections: 2, maxConnectionsPerAddress: 2, headersTimeoutMs: 300 });
    const trickling = [await open(port, '127.0.0.2', 'GET /api/v2/ping HTTP/1.1\r\n'), await open(port, '127.0.0.2', 'GET /api/v2/ping HTTP/1.1\r\n')];
    assert.equal(typeof (await realRequest(port, '127.0.0.3')), 'string', 'refused while every socket is mid-request');
    await Promise.all(trickling.map((s) => s.closed));
    assert.match(trickling[0]!.received(), /^HTTP\/1\.1 408 /, 'the headers timeout answered 408');
    assert.equal(await realRequest(port, '127.0.0.3'), 204);
  });
});
