/**
 * The store's write generation: a number that changes after every write to what the token check
 * reads (tokens, users, web sessions, memberships, teams, organizations), so the gateway may keep
 * resolved tokens (src/gateway/resolved-token-cache.ts) and still see a revocation, a suspension
 * or an ended session on the very next request.
 *
 * Writes are counted by wrapping each store section once, where the store is assembled: every
 * method NOT named as a read bumps the generation. A write method added later bumps it without
 * anyone remembering to (a read method added later only empties the cache needlessly until it is
 * listed), which is the safe way round for a security check.
 */
import type { Store } from './types.ts';

export class WriteGeneration {
  private n = 0;
  get value(): number {
    return this.n;
  }
  bump(): void {
    this.n++;
  }
}

type Methods<T> = { [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T];

/**
 * A facade of the section: its reads as they are, its writes counted. The generation moves right
 * after a write returns (SQLite and memory writes are done by then) and again when its promise
 * settles (a write that awaits before changing anything), failure included (a write may fail
 * half-way after changing state). Calls the section makes to itself (`this.helper()`) go to the
 * section, not the facade, so a read using a private helper is not counted as a write.
 */
export function countWrites<T extends object>(section: T, generation: WriteGeneration, reads: ReadonlyArray<Methods<T>>): T {
  const readSet = new Set<PropertyKey>(reads);
  const source = section as Record<PropertyKey, unknown>;
  const facade: Record<PropertyKey, unknown> = {};
  const names = new Set<string>(Object.keys(section));
  for (let proto = Object.getPrototypeOf(section); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) if (name !== 'constructor') names.add(name);
  }
  for (const name of names) {
    const method = source[name];
    if (typeof method !== 'function') continue;
    facade[name] = readSet.has(name) ? method.bind(section) : countedWrite(method, section, generation);
  }
  return facade as T;
}

function countedWrite(method: Function, self: unknown, generation: WriteGeneration) {
  return function countedWrite(...args: unknown[]) {
    let result: unknown;
    try {
      result = method.apply(self, args);
    } finally {
      generation.bump();
    }
    if (!(result instanceof Promise)) return result;
    return result.then(
      (v) => {
        generation.bump();
        return v;
      },
      (err) => {
        generation.bump();
        throw err;
      },
    );
  };
}

/** The read methods of each counted section (everything else is a write). */
const READS = {
  users: ['get', 'getByEmail', 'getByUsername', 'list', 'count'],
  organizations: ['get', 'getByName', 'list'],
  teams: ['get', 'getByName', 'getOwners', 'listByOrganization', 'listMembers', 'teamsOfUser'],
  orgMemberships: ['get', 'getByEmail', 'listByOrganization', 'listByUser'],
  tokens: ['get', 'getSingular', 'listByOwner', 'listTeamTokensOfOrganization', 'descriptionTaken', 'resolve', 'count'],
  sessions: ['get', 'listByUser', 'liveUntil'],
} as const;

type CountedSections = Pick<Store, keyof typeof READS>;

/** Both stores' sections that the token check reads, each counted (see countWrites). */
export function countAuthWrites(sections: CountedSections, generation: WriteGeneration): CountedSections {
  return {
    users: countWrites(sections.users, generation, READS.users),
    organizations: countWrites(sections.organizations, generation, READS.organizations),
    teams: countWrites(sections.teams, generation, READS.teams),
    orgMemberships: countWrites(sections.orgMemberships, generation, READS.orgMemberships),
    tokens: countWrites(sections.tokens, generation, READS.tokens),
    sessions: countWrites(sections.sessions, generation, READS.sessions),
  };
}
