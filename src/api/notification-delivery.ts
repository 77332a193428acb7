/**
 * Delivering a notification payload, without becoming an SSRF proxy (docs/security.md,
 * "Notification delivery"): the gateway sits inside a network, and a webhook URL is chosen by
 * whoever may edit a workspace, so "POST wherever the URL says" would let them reach internal
 * services (cloud metadata at 169.254.169.254, admin ports, 10/8 hosts) through us.
 *
 * Rule: a payload is sent only when the URL's host is literally a loopback address (127.0.0.0/8,
 * ::1) or `localhost`, which is connected to as 127.0.0.1 without a DNS lookup (a resolver or
 * hosts file cannot turn it into another address). Anything else is recorded, not sent. The call
 * has a short timeout and reads at most MAX_BODY bytes of the answer; redirects are not followed.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { DeliveryResponse } from '../tfe/notification-configurations.ts';

export const DELIVERY_TIMEOUT_MS = 3000;
export const MAX_BODY = 16 * 1024;

export const NOT_SENT_NOTE = 'not sent: samlgate delivers notifications only to loopback addresses (127.0.0.0/8, ::1, localhost); this attempt was recorded instead';

/** The address to connect to when `hostname` is loopback, else undefined. */
export function loopbackAddress(hostname: string): string | undefined {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost') return '127.0.0.1';
  if (isIP(host) === 4) return host.split('.')[0] === '127' ? host : undefined;
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1' ? '::1' : undefined;
  return undefined;
}

/** Posts `payload` to `url` if it is loopback; always answers what happened, never throws. */
export async function deliver(url: string, payload: unknown, token: string | null, now: () => number): Promise<DeliveryResponse> {
  const sentAt = new Date(now()).toISOString();
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url, body: 'not sent: the URL does not parse', code: 0, headers: {}, 'sent-at': sentAt, successful: false };
  }
  const address = loopbackAddress(parsed.hostname);
  if (!address) return { url, body: NOT_SENT_NOTE, code: 0, headers: {}, 'sent-at': sentAt, successful: false };
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), 'User-Agent': 'samlgate-notifications', Host: parsed.host };
  // TFE signs generic payloads with the configuration's token: HMAC-SHA512 of the body.
  if (token) headers['X-TFE-Notification-Signature'] = createHmac('sha512', token).update(body).digest('hex');
  const client = parsed.protocol === 'https:' ? https : http;
  return new Promise<DeliveryResponse>((resolve) => {
    const fail = (why: string) => resolve({ url, body: `not delivered: ${why}`, code: 0, headers: {}, 'sent-at': sentAt, successful: false });
    const req = client.request(
      { host: address, port: parsed.port || undefined, path: `${parsed.pathname}${parsed.search}`, method: 'POST', headers, timeout: DELIVERY_TIMEOUT_MS, servername: parsed.hostname },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size >= MAX_BODY) return;
          chunks.push(c.subarray(0, MAX_BODY - size));
          size += c.length;
          if (size >= MAX_BODY) res.destroy();
        });
        const done = () => {
          const out: Record<string, string[]> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v : [String(v)];
          const code = res.statusCode ?? 0;
          resolve({ url, body: Buffer.concat(chunks).toString('utf8'), code, headers: out, 'sent-at': sentAt, successful: code >= 200 && code < 300 });
        };
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${DELIVERY_TIMEOUT_MS} ms`)));
    req.on('error', (err) => fail(err.message));
    req.end(body);
  });
}
