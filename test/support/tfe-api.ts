/**
 * Calls to the gateway's /api/v2 as a given caller: a bearer token (user, team or organization)
 * or a signed-in browser (session cookie + X-CSRF-Token), with JSON:API bodies.
 */
import request from 'supertest';
import type { Harness, LoggedIn } from './harness.ts';

export type Caller = string | LoggedIn;

export function api(h: Harness, caller: Caller) {
  const base = (method: 'get' | 'post' | 'patch' | 'delete', path: string) => {
    const r = typeof caller === 'string'
      ? request(h.gateway.app)[method](path).set('Authorization', `Bearer ${caller}`)
      : caller.browser.gw[method](path).set('X-CSRF-Token', caller.csrf);
    return r.set('Accept', 'application/vnd.api+json');
  };
  const withBody = (method: 'post' | 'patch' | 'delete') => (path: string, body?: unknown) => {
    const r = base(method, path);
    return body === undefined ? r : r.set('Content-Type', 'application/vnd.api+json').send(JSON.stringify(body));
  };
  return { get: (path: string) => base('get', path), post: withBody('post'), patch: withBody('patch'), delete: withBody('delete') };
}

/** The embedded organization's teams, by name (ids are random). */
export async function teamId(h: Harness, name: string, org = 'example-org'): Promise<string> {
  const o = await h.store.organizations.getByName(org);
  const t = o && (await h.store.teams.getByName(o.id, name));
  if (!t) throw new Error(`no team ${name} in ${org}`);
  return t.id;
}

export const NOT_FOUND = { errors: [{ status: '404', title: 'not found' }] };
