/**
 * The resolved-token cache (src/gateway/resolved-token-cache.ts) must never answer what the
 * store no longer says: for every principal type (flagged user, unflagged user with a live web
 * session, team token, organization token) and every write that can change a token's answer, the
 * request right after the write gets what an uncached gateway on the same store answers. The
 * uncached gateway is a second gateway whose store reports a new write generation on every call,
 * so it never reuses a resolved token. Before each write the cached gateway is checked to be
 * answering from its cache (no store lookup), so each case tests the invalidation, not a cold miss.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import request from 'supertest';
import { createGateway, type Gateway } from '../../src/gateway/app.ts';
import { createMemoryStore } from '../../src/store/memory.ts';
import { openStore } from '../../src/store/open.ts';
import { createSqliteStore, type SqliteStore } from '../../src/store/sqlite/index.ts';
import { StoreUnavailableError, type Store, type TeamRecord, type TokenRecord } from '../../src/store/types.ts';
import { ResolvedTokenCache } from '../../src/gateway/resolved-token-cache.ts';
import { createHarness, type Harness, type LoggedIn } from '../support/harness.ts';
import { api, teamId } from '../support/tfe-api.ts';

const ORG = '/api/v2/organizations/example-org';
const PRINCIPALS = ['flagged user', 'unflagged user', 'team', 'organization'] as const;
type PrincipalName = (typeof PRINCIPALS)[number];

let dir: string | undefined;
after(() => dir && rmSync(dir, { recursive: true, force: true }));
let files = 0;
function sqliteFile(): string {
  dir ??= mkdtempSync(path.join(os.tmpdir(), 'samlgate-token-cache-'));
  return path.join(dir, `gateway-${++files}.db`);
}

interface World {
  h: Harness;
  file: string | null;
  carol: LoggedIn;
  alice: LoggedIn;
  bob: LoggedIn;
  developers: string;
  tokens: Record<PrincipalName, { id: string; secret: string }>;
  uncached: Gateway;
  /** store.tokens.resolve calls so far (the cache's misses and the uncached gateway's lookups). */
  lookups: () => number;
}

async function world(kind: 'memory' | 'sqlite'): Promise<World> {
  const file = kind === 'sqlite' ? sqliteFile() : null;
  const store: Store = file ? createSqliteStore(file) : createMemoryStore();
  const h = await createHarness({}, {}, { store });
  const carol = await h.login('carol');
  const alice = await h.login('alice');
  const bob = await h.login('bob');
  const developers = await teamId(h, 'developers');
  const created = async (res: request.Response) => ({ id: res.body.data.id as string, secret: res.body.data.attributes.token as string });
  const tokens = {
    'flagged user': await bob.createToken(),
    'unflagged user': await alice.createToken(),
    team: await created(await api(h, alice).post(`/api/v2/teams/${developers}/authentication-token`).expect(201)),
    organization: await created(await api(h, carol).post(`${ORG}/authentication-token`).expect(201)),
  };
  let n = 0;
  const resolve = h.store.tokens.resolve;
  h.store.tokens.resolve = (...args) => {
    n++;
    return resolve(...args);
  };
  let fresh = 0;
  const uncachedStore: Store = { ...h.store, authDataGeneration: () => ++fresh };
  const uncached = createGateway({ ...h.gateway.context, store: uncachedStore, idp: h.gateway.context.idp, sp: h.gateway.context.sp });
  after(() => uncached.close());
  // Its start-up work (idempotent writes) done before anything is warmed.
  await request(uncached.app).get('/api/v2/ping').expect(204);
  after(() => h.gateway.close());
  return { h, file, carol, alice, bob, developers, tokens, uncached, lookups: () => n };
}

const answer = async (app: Gateway['app'], secret: string) => {
  const res = await request(app).get('/api/v2/account/details').set('Authorization', `Bearer ${secret}`);
  return { status: res.status, body: res.body as unknown };
};

/** Calls until the cached gateway answers without a store lookup (a use may first record last-used-at, a write). */
async function warm(w: World, secret: string) {
  for (let i = 0; i < 4; i++) {
    const before = w.lookups();
    const res = await answer(w.h.gateway.app, secret);
    if (w.lookups() === before) return res;
  }
  assert.fail('the cached gateway never answered from its cache');
}

interface Write {
  name: string;
  /** The principals whose answer the write must change. */
  changes: PrincipalName[];
  apply(w: World): Promise<void>;
  sqliteOnly?: boolean;
}

const WRITES: Write[] = [
  ...PRINCIPALS.map((p): Write => ({ name: `revoke the ${p} token`, changes: [p], apply: async (w) => void (await w.h.store.tokens.delete(w.tokens[p].id)) })),
  {
    name: 'regenerate the team token',
    changes: ['team'],
    apply: async (w) => void (await api(w.h, w.alice).post(`/api/v2/teams/${w.developers}/authentication-token`).expect(201)),
  },
  { name: 'regenerate the organization token', changes: ['organization'], apply: async (w) => void (await api(w.h, w.carol).post(`${ORG}/authentication-token`).expect(201)) },
  { name: 'suspend the unflagged user', changes: ['unflagged user'], apply: async (w) => assert.equal((await w.h.store.users.setSuspended(w.alice.userId, true)).ok, true) },
  { name: 'suspend the flagged user', changes: ['flagged user'], apply: async (w) => assert.equal((await w.h.store.users.setSuspended(w.bob.userId, true)).ok, true) },
  { name: "end the unflagged user's web sessions (sign-out)", changes: ['unflagged user'], apply: async (w) => void (await w.h.store.sessions.destroyByUser(w.alice.userId)) },
  {
    name: "purge the unflagged user's sessions",
    changes: ['unflagged user'],
    apply: async (w) => void (await w.h.store.sessions.purgeExpired(w.h.clock.now() + 365 * 24 * 3_600_000)),
  },
  {
    name: 're-login of the flagged user without the flag',
    changes: ['flagged user'],
    apply: async (w) => {
      await w.h.patchIdpUser('bob', { faults: ['sa-value-one'] });
      await w.h.login('bob');
    },
  },
  {
    // account/details serialises a cached user's document once (documentOfFrozen): a new login
    // writes new records, so the very next answer shows the new groups.
    name: 're-login of the flagged user with other groups (meta.member-of of account/details)',
    changes: ['flagged user'],
    apply: async (w) => {
      await w.h.patchIdpUser('bob', { attributes: { MemberOf: ['developers', 'cache-test-new-group'] } });
      await w.h.login('bob');
    },
  },
  { name: 'delete the team', changes: ['team'], apply: async (w) => assert.equal(await w.h.store.teams.delete(w.developers), 'deleted') },
  {
    name: 'delete the organization',
    changes: ['team', 'organization'],
    apply: async (w) => assert.equal(await w.h.store.organizations.delete((await w.h.store.organizations.getByName('example-org'))!.id), true),
  },
  { name: 'no write: the web session expires with the clock', changes: ['unflagged user'], apply: async (w) => w.h.advance('400d') },
  {
    name: "revoke the unflagged user's token from another connection to the database file",
    changes: ['unflagged user'],
    sqliteOnly: true,
    apply: async (w) => {
      const other = createSqliteStore(w.file!);
      try {
        assert.equal(await other.tokens.delete(w.tokens['unflagged user'].id), true);
      } finally {
        await other.close();
      }
    },
  },
];

for (const kind of ['memory', 'sqlite'] as const) {
  describe(`resolved-token cache (${kind} store): the request right after a write answers what an uncached gateway answers`, () => {
    for (const write of WRITES) {
      if (write.sqliteOnly && kind !== 'sqlite') continue;
      it(write.name, async () => {
        const w = await world(kind);
        const before = {} as Record<PrincipalName, Awaited<ReturnType<typeof answer>>>;
        for (const p of PRINCIPALS) {
          before[p] = await warm(w, w.tokens[p].secret);
          assert.equal(before[p].status, 200, `${p} works before the write`);
        }
        await write.apply(w);
        for (const p of PRINCIPALS) {
          const cached = await answer(w.h.gateway.app, w.tokens[p].secret);
          const uncached = await answer(w.uncached.app, w.tokens[p].secret);
          assert.deepEqual(cached, uncached, `${p} after "${write.name}"`);
          if (write.changes.includes(p)) assert.notDeepEqual(cached, before[p], `"${write.name}" changes the ${p} answer`);
          else assert.deepEqual(cached, before[p], `"${write.name}" leaves the ${p} answer alone`);
        }
      });
    }
  });
}

describe('resolved-token cache: the store samlgate serves', () => {
  it('regression: the store opened under the data-directory lock still sees a write from another connection on the next request', async () => {
    // The lock keeps other samlgate processes out, not an operator's sqlite3 on the same file.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'samlgate-cache-lock-'));
    const store = (await openStore(dir)) as SqliteStore;
    const h = await createHarness({}, {}, { store });
    after(async () => {
      await h.gateway.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const alice = await h.login('alice');
    const token = await alice.createToken();
    for (let i = 0; i < 3; i++) assert.equal((await answer(h.gateway.app, token.secret)).status, 200);
    const other = createSqliteStore(store.file);
    try {
      assert.equal(await other.tokens.delete(token.id), true);
    } finally {
      await other.close();
    }
    assert.equal((await answer(h.gateway.app, token.secret)).status, 401);
  });
});

describe('resolved-token cache entries are shared, so nothing in them can change', () => {
  it("regression: a cached team's organizationAccess (what authorize() reads) is frozen all the way down", () => {
    const cache = new ResolvedTokenCache();
    const team = { id: 'team-1', organizationAccess: { manageWorkspaces: false }, attributes: { list: ['a'] } } as unknown as TeamRecord;
    cache.get('h', 1, 0);
    cache.set('h', 1, 0, { token: { id: 'at-1' } as TokenRecord, team, webSessionLiveUntil: null });
    const hit = cache.get('h', 1, 0)!;
    assert.throws(() => {
      (hit.team!.organizationAccess as { manageWorkspaces: boolean }).manageWorkspaces = true;
    }, TypeError);
    assert.throws(() => (hit.team as unknown as { attributes: { list: string[] } }).attributes.list.push('b'), TypeError);
    assert.equal(cache.get('h', 1, 0)!.team!.organizationAccess.manageWorkspaces, false);
  });
});

describe('the cached token path answers without a promise, and its failures still reach the error handler', () => {
  it('a store that fails its write-generation check on a cached token answers 503 JSON:API, and the next call works again', async () => {
    const h = await createHarness();
    after(() => h.gateway.close());
    const bob = await h.login('bob');
    const token = await bob.createToken();
    for (let i = 0; i < 3; i++) assert.equal((await answer(h.gateway.app, token.secret)).status, 200);
    const generation = h.store.authDataGeneration;
    h.store.authDataGeneration = () => {
      throw new StoreUnavailableError('the disk holding the database failed (SQLITE_IOERR)', 'SQLITE_IOERR');
    };
    const res = await request(h.gateway.app).get('/api/v2/account/details').set('Authorization', `Bearer ${token.secret}`);
    h.store.authDataGeneration = generation;
    assert.equal(res.status, 503, res.text);
    assert.equal(res.headers['content-type'], 'application/vnd.api+json; charset=utf-8');
    assert.equal(res.headers['retry-after'], '30');
    assert.match(res.body.errors[0].detail, /SQLITE_IOERR/);
    assert.equal((await answer(h.gateway.app, token.secret)).status, 200);
  });
});
