/**
 * Migration 2: the workspaces section's tables (sqlite/workspaces.ts). Everything a workspace
 * owns cascades with it, and team access with its team; columns are those the store filters,
 * orders or keeps unique on, the rest of each record is JSON in `record`.
 */
import type { Migration } from './migration.ts';

export const WORKSPACES_MIGRATION: Migration = {
  version: 2,
  name: 'workspaces, team access, configuration versions, runs, state versions, variables',
  sql: `
CREATE TABLE workspaces (
  id TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  name_lc TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  settings TEXT NOT NULL,
  locked_by_kind TEXT,
  locked_by_id TEXT,
  lock_reason TEXT,
  current_run_id TEXT,
  current_state_version_id TEXT,
  UNIQUE (organization_id, name)
);

CREATE TABLE team_workspaces (
  id TEXT PRIMARY KEY,
  team_id TEXT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  access TEXT NOT NULL,
  runs TEXT NOT NULL,
  variables TEXT NOT NULL,
  state_versions TEXT NOT NULL,
  sentinel_mocks TEXT NOT NULL,
  workspace_locking INTEGER NOT NULL,
  run_tasks INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (team_id, workspace_id)
);
CREATE INDEX team_workspaces_by_workspace ON team_workspaces(workspace_id, created_at);

CREATE TABLE configuration_versions (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  record TEXT NOT NULL,
  slug BLOB
);
CREATE INDEX configuration_versions_by_workspace ON configuration_versions(workspace_id, created_at);

CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  status TEXT NOT NULL,
  plan_only INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  plan_id TEXT NOT NULL UNIQUE,
  apply_id TEXT NOT NULL UNIQUE,
  record TEXT NOT NULL
);
CREATE INDEX runs_by_workspace ON runs(workspace_id, created_at);
-- What the scheduler reads every step: only the runs that are not finished.
CREATE INDEX runs_active ON runs(created_at) WHERE status NOT IN ('applied', 'planned_and_finished', 'discarded', 'canceled', 'force_canceled', 'errored');

CREATE TABLE state_versions (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  serial INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  record TEXT NOT NULL,
  state BLOB NOT NULL
);
CREATE INDEX state_versions_by_workspace ON state_versions(workspace_id, serial);

CREATE TABLE state_outputs (
  id TEXT PRIMARY KEY,
  state_version_id TEXT NOT NULL REFERENCES state_versions(id) ON DELETE CASCADE
);
CREATE INDEX state_outputs_by_version ON state_outputs(state_version_id);

CREATE TABLE variables (
  id TEXT PRIMARY KEY,
  workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  category TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  record TEXT NOT NULL,
  UNIQUE (workspace_id, key, category)
);
`,
};
