import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * A port that was free a moment ago on 127.0.0.1. The IdP and gateway URLs (entity IDs, ACS)
 * are fixed before the apps are built, so throwaway runs (demo, tests) pick ports up front.
 *
 * Why not simply `listen(0)`: port 0 draws from the kernel's ephemeral range, the same range
 * every outgoing connection's local port comes from. Between our check and the real listen, a
 * busy process nearby (a load test, a flood of keep-alive clients) can take the port for a
 * connection, and the start fails with "port in use". A port below the ephemeral range is never
 * handed out by the kernel on its own, so only another explicit listener can take it; picking it
 * at random from a few thousand makes two such pickers colliding unlikely.
 */
const LOWEST = 20_000;

function ephemeralStart(): number {
  try {
    const [start] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return Number.isInteger(start) ? start! : 32_768;
  } catch {
    return 32_768; // Not Linux: the IANA dynamic range starts at 49152, so this stays below it too.
  }
}

function listenOnce(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(null));
    srv.listen(port, '127.0.0.1', () => {
      const { port: bound } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(bound));
    });
  });
}

export async function freePort(): Promise<number> {
  const highest = ephemeralStart() - 1;
  if (highest - LOWEST >= 1_000) {
    for (let attempt = 0; attempt < 20; attempt++) {
      const port = await listenOnce(LOWEST + Math.floor(Math.random() * (highest - LOWEST + 1)));
      if (port !== null) return port;
    }
  }
  const port = await listenOnce(0);
  if (port === null) throw new Error('no free TCP port on 127.0.0.1');
  return port;
}
