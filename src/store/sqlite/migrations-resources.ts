/**
 * Migration 4: the resources section's one table (sqlite/resources.ts, types-resources.ts). Every
 * resource type shares it: the columns are those the store filters, orders, keeps unique or
 * cascades on, the rest is JSON in `attributes`. Parents cascade by foreign key, including a
 * resource's own parent resource (an agent pool's tokens, a policy set's parameters).
 */
import type { Migration } from './migration.ts';

export const RESOURCES_MIGRATION: Migration = {
  version: 4,
  name: 'resources (policies, policy sets, SSH keys, agent pools, variable sets, projects, ...)',
  sql: `
CREATE TABLE resources (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  organization_id TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  workspace_id TEXT REFERENCES workspaces(id) ON DELETE CASCADE,
  parent_id TEXT REFERENCES resources(id) ON DELETE CASCADE,
  unique_key TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  attributes TEXT NOT NULL,
  UNIQUE (type, unique_key)
);
CREATE INDEX resources_by_organization ON resources(type, organization_id, created_at);
CREATE INDEX resources_by_workspace ON resources(workspace_id, type, created_at) WHERE workspace_id IS NOT NULL;
CREATE INDEX resources_by_parent ON resources(parent_id, type, created_at) WHERE parent_id IS NOT NULL;
`,
};
