import net from 'node:net';

/**
 * A port that was free a moment ago on 127.0.0.1. The IdP and gateway URLs (entity IDs, ACS)
 * are fixed before the apps are built, so throwaway runs (demo, tests) pick ports up front.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
