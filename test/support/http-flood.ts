/**
 * Many GETs of one URL through node:http with one keep-alive Agent, `connections` in flight.
 * For the tests that send thousands of anonymous requests (an attacker's <img> tags or replays):
 * fetch (undici) costs several times the request itself in the test process, and these tests
 * measure the server, not the client.
 */
import http from 'node:http';

/** Status code -> count, after `n` requests; a transport error fails the whole flood. */
export async function floodGet(url: string, n: number, o: { connections: number; headers?: http.OutgoingHttpHeaders}): Promise<Map<number, number>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections });
  const statuses = new Map<number, number>();
  const get = () =>
    new Promise<number>((resolve, reject) => {
      http
        .get(url, { agent, headers: o.headers }, (res) => {
          res.resume();
          res.once('end', () => resolve(res.statusCode!));
          res.once('error', reject);
        })
        .once('error', reject);
    });
  let left = n;
  try {
    await Promise.all(
      Array.from({ length: o.connections }, async () => {
        while (left > 0) {
          left--;
          const status = await get();
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  return statuses;
}
