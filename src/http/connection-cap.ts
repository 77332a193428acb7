/**
 * The connection cap, enforced so idle sockets cannot lock real clients out. Node's own
 * `server.maxConnections` refuses every new socket once the cap is reached, however many of the
 * open ones are doing nothing: a few thousand silent or keep-alive sockets (a slowloris opener, a
 * client pool that never closes) then refuse every real client until their timeouts run out, and
 * an attacker simply reopens them. Here a new socket at the cap takes the slot of an idle one:
 * the keep-alive socket idle longest (HTTP lets a server close an idle persistent connection at
 * any time, and clients retry, RFC 9112 9.3.1 and 9.6), else the oldest socket that never sent a
 * byte. Only when every open socket is working is the new one refused. One remote address may
 * hold at most `maxPerAddress` sockets: past that its own idlest socket makes room, or the new
 * one is refused, so one host cannot take every slot with sockets that look busy (headers
 * trickling in, which only the headers timeout ends).
 *
 * "Idle" is decided from what the socket did: no request in flight and no byte read since the
 * last response finished (or since it opened). A socket that has sent nothing yet counts only
 * after `silentGraceMs` of real time: under a burst node accepts many sockets before it reads
 * any, and a fresh client's request may still be in the kernel's buffer.
 */
import type http from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionCap {
  maxConnections: number;
  /** Most sockets one remote address may hold (all of them when this is >= maxConnections). */
  maxPerAddress: number;
  /** How long a socket that has sent nothing is protected from eviction (real milliseconds). */
  silentGraceMs: number;
}

interface Tracked {
  /** The TCP socket the server accepted. */
  raw: Socket;
  /** The socket HTTP is read from: the TLS socket once the handshake is done, else `raw`. */
  http: Socket;
  address: string;
  /** When it was accepted, on the monotonic clock. */
  openedAt: number;
  /** Responses finished on it: 0 means it never completed a request. */
  served: number;
  inFlight: number;
  /** Order in which sockets became idle (smaller is older); meaningful while inFlight is 0. */
  idleSince: number;
  bytesAtIdle: number;
}

const caps = new WeakMap<http.Server, ConnectionCap>();

/** The cap in force on `server`, if capConnections() was applied to it. */
export function connectionCapOf(server: http.Server): ConnectionCap | undefined {
  return caps.get(server);
}

/** `::ffff:10.0.0.1` and `10.0.0.1` are one host. */
function addressOf(socket: Socket): string {
  const a = socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

/** Called first for every request of a capped server (see capConnections). */
export type RequestTracker = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/**
 * Enforces `cap` on `server` (instead of server.maxConnections, which must stay unset). `now` is
 * monotonic real time: the grace must pass even when samlgate's dev clock stands still.
 * Returns the per-request bookkeeping, which the server's request listener must call before the
 * app (createHttpServer does): called directly rather than as a second 'request' listener, since
 * an emit with several listeners copies the listener array on every request (the token check's
 * hot path, bench/README.md).
 */
export function capConnections(server: http.Server, cap: ConnectionCap, now: () => number = () => performance.now()): RequestTracker {
  caps.set(server, cap);
  const open = new Set<Tracked>();
  const byRaw = new WeakMap<Socket, Tracked>();
  const perAddress = new Map<string, number>();
  let sequence = 0;

  const quiet = (t: Tracked) => t.inFlight === 0 && t.http.bytesRead === t.bytesAtIdle && !t.http.destroyed;
  /** The eviction candidate: keep-alive sockets first (oldest idle first), then silent ones past their grace. */
  const victim = (address?: string): Tracked | undefined => {
    const at = now();
    let keptAlive: Tracked | undefined;
    let silent: Tracked | undefined;
    for (const t of open) {
      if ((address !== undefined && t.address !== address) || !quiet(t)) continue;
      if (t.served > 0) {
        if (!keptAlive || t.idleSince < keptAlive.idleSince) keptAlive = t;
      } else if (at - t.openedAt >= cap.silentGraceMs && (!silent || t.idleSince < silent.idleSince)) silent = t;
    }
    return keptAlive ?? silent;
  };
  const forget = (t: Tracked) => {
    if (!open.delete(t)) return;
    const n = (perAddress.get(t.address) ?? 1) - 1;
    if (n > 0) perAddress.set(t.address, n);
    else perAddress.delete(t.address);
  };
  const evict = (t: Tracked) => {
    forget(t);
    t.http.destroy();
    if (t.http !== t.raw) t.raw.destroy();
  };

  // Registered after http's own listener, so a refused socket is already known to the server and
  // closes through its usual path.
  server.on('connection', (raw: Socket) => {
    const address = addressOf(raw);
    if ((perAddress.get(address) ?? 0) >= cap.maxPerAddress) {
      const own = victim(address);
      if (!own) return void raw.destroy();
      evict(own);
    } else if (open.size >= cap.maxConnections) {
      const any = victim();
      if (!any) return void raw.destroy();
      evict(any);
    }
    const t: Tracked = { raw, http: raw, address, openedAt: now(), served: 0, inFlight: 0, idleSince: ++sequence, bytesAtIdle: 0 };
    open.add(t);
    byRaw.set(raw, t);
    perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
    raw.once('close', () => forget(t));
  });

  // HTTPS: requests arrive on the TLS socket; its handshake bytes are not requests.
  server.on('secureConnection', (tls: Socket & { _parent?: Socket }) => {
    const t = tls._parent && byRaw.get(tls._parent);
    if (!t) return;
    t.http = tls;
    t.bytesAtIdle = tls.bytesRead;
    tls.once('close', () => forget(t));
  });

  return function trackRequest(req: http.IncomingMessage, res: http.ServerResponse) {
    const socket = req.socket as Socket & { _parent?: Socket };
    const t = byRaw.get(socket) ?? (socket._parent && byRaw.get(socket._parent));
    if (!t) return;
    t.inFlight++;
    // One shared listener and the socket's record on the response instead of a closure and a
    // once-wrapper per request ('close' is emitted once per response).
    (res as TrackedResponse)[TRACKED] = t;
    res.on('close', responseClosed);
  };
  function responseClosed(this: TrackedResponse) {
    const t = this[TRACKED]!;
    t.inFlight--;
    t.served++;
    if (t.inFlight === 0) {
      t.idleSince = ++sequence;
      t.bytesAtIdle = t.http.bytesRead;
    }
  }
}

const TRACKED = Symbol('connection-cap socket');
type TrackedResponse = http.ServerResponse & { [TRACKED]?: Tracked };
