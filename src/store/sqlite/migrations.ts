/**
 * The gateway database's schema, as an ordered list of migrations. At start-up the store applies
 * every migration whose number is above the database's `PRAGMA user_version`, each in its own
 * transaction together with the version bump, so a crash mid-migration leaves the previous
 * version intact. A database whose version is above the last migration here was written by a
 * newer samlgate: it is refused, never altered (src/store/sqlite/database.ts).
 *
 * Adding a migration (e.g. the `workspaces` branch adding its tables):
 *   1. Append an entry `{ version: <last + 1>, name: '...', sql: `...` }` to GATEWAY_MIGRATIONS.
 *      Never edit or reorder an entry that has shipped: databases in the field have run it.
 *   2. Put the section's prepared statements and row mapping in its own file next to this one
 *      (like tokens.ts), taking the `Database` handle, and add it to createSqliteStore in index.ts.
 *   3. Two branches adding migrations in parallel: whoever merges second renumbers theirs to
 *      follow (the numbers are the only thing that must be unique and increasing).
 *   The contract suite (test/store/contract.ts) must cover the new methods on both stores.
 *
 * Conventions: times are INTEGER epoch milliseconds, booleans INTEGER 0/1, lists and free-form
 * attribute maps TEXT holding JSON, ids TEXT as the API shows them.
 */
import type { Migration } from './migration.ts';
import { RESOURCES_MIGRATION } from './migrations-resources.ts';
import { WORKSPACES_MIGRATION } from './migrations-workspaces.ts';

export type { Migration } from './migration.ts';

export const GATEWAY_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'users, organizations, teams, memberships, tokens, sessions, replay cache, settings',
    sql: `
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  email TEXT NOT NULL,
  -- NameID matching is case-insensitive (JS toLowerCase, computed by the caller).
  email_lc TEXT NOT NULL UNIQUE,
  is_site_admin INTEGER NOT NULL,
  is_suspended INTEGER NOT NULL DEFAULT 0,
  is_service_account INTEGER NOT NULL,
  service_account_synced_at INTEGER NOT NULL,
  member_of TEXT NOT NULL,
  login_findings TEXT NOT NULL,
  last_login_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE organizations (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  email TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  session_timeout_minutes INTEGER NOT NULL,
  session_remember_minutes INTEGER NOT NULL,
  owners_team_saml_role_id TEXT,
  attributes TEXT NOT NULL
);

CREATE TABLE teams (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  sso_team_id TEXT,
  visibility TEXT NOT NULL,
  organization_access TEXT NOT NULL,
  allow_member_token_management INTEGER NOT NULL,
  is_owners INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (organization_id, name)
);
-- Every organization has exactly one owners team.
CREATE UNIQUE INDEX teams_one_owners ON teams(organization_id) WHERE is_owners = 1;

CREATE TABLE team_members (
  team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (team_id, user_id)
) WITHOUT ROWID;
CREATE INDEX team_members_by_user ON team_members(user_id, team_id);

CREATE TABLE org_memberships (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  email TEXT NOT NULL,
  email_lc TEXT NOT NULL,
  user_id TEXT REFERENCES users(id) ON DELETE SET NULL,
  status TEXT NOT NULL,
  initial_team_ids TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (organization_id, email_lc)
);
CREATE INDEX org_memberships_by_email ON org_memberships(email_lc);
CREATE INDEX org_memberships_by_user ON org_memberships(user_id);

-- owner_id names a user, team or organization by kind, so it cannot be a foreign key; the
-- triggers below delete a team's or organization's tokens with it (rule T1 cascade).
CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  owner_id TEXT NOT NULL,
  description TEXT,
  secret_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER,
  expired_at INTEGER,
  created_by_id TEXT,
  singular INTEGER NOT NULL
);
CREATE INDEX tokens_by_owner ON tokens(kind, owner_id, created_at, id);
-- T1: at most one organization token, at most one legacy token per team.
CREATE UNIQUE INDEX tokens_one_singular ON tokens(kind, owner_id) WHERE singular = 1;

CREATE TRIGGER teams_delete_tokens AFTER DELETE ON teams BEGIN
  DELETE FROM tokens WHERE kind = 'team' AND owner_id = OLD.id;
END;
CREATE TRIGGER organizations_delete_tokens AFTER DELETE ON organizations BEGIN
  DELETE FROM tokens WHERE kind = 'organization' AND owner_id = OLD.id;
END;

-- Web sessions. ended = 1 is a tombstone: the session was destroyed (logout, suspension, SLO)
-- and a late write for its sid (a request that was in flight) must not bring it back; its
-- expires_at is then when the tombstone may be forgotten.
CREATE TABLE sessions (
  sid TEXT PRIMARY KEY,
  user_id TEXT,
  expires_at INTEGER NOT NULL,
  data TEXT NOT NULL,
  ended INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
-- Rule S2's input: the latest live session of a user, read by the token check.
CREATE INDEX sessions_live_by_user ON sessions(user_id, expires_at) WHERE ended = 0 AND user_id IS NOT NULL;
CREATE INDEX sessions_pending ON sessions(expires_at) WHERE ended = 0 AND user_id IS NULL;
CREATE INDEX sessions_by_expiry ON sessions(expires_at);

CREATE TABLE replay (
  key TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX replay_by_expiry ON replay(expires_at);

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
`,
  },
  WORKSPACES_MIGRATION,
  {
    version: 3,
    name: 'users.unconfirmed_email (PATCH /account/update keeps a new email here until the next login)',
    sql: `ALTER TABLE users ADD COLUMN unconfirmed_email TEXT;`,
  },
  RESOURCES_MIGRATION,
];
