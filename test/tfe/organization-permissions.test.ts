/**
 * The organization `permissions` object per caller type (DESIGN T6), key by key. This table is the
 * one in docs/api.md; the columns are the caller types of test/tfe/fixtures.ts:
 *   O  owner (user in owners)            A  site admin (in no team)       OT owners team token
 *   OG organization token                 M  member of developers (read-workspaces)
 *   T  team token of a team with manage-workspaces                         X  outsider
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ORGANIZATION_PERMISSION_KEYS, organizationPermissions, type OrganizationPermissionKey } from '../../src/tfe/organization-permissions.ts';
import { CALLERS } from './fixtures.ts';

const COLUMNS = ['owner', 'site admin', 'owners team token', 'organization token', 'member (developers)', 'team token (manage-workspaces)', 'outsider'] as const;

//                                            O A OT OG M T X
const TABLE: Record<OrganizationPermissionKey, string> = {
  'can-update':                              '1 1 1 1 0 0 0',
  'can-update-authentication':               '1 1 1 0 0 0 0',
  'can-destroy':                             '1 1 1 0 0 0 0',
  'can-access-via-teams':                    '1 0 1 0 1 1 0',
  'can-create-module':                       '1 1 1 1 0 0 0',
  'can-create-team':                         '1 1 1 1 0 0 0',
  'can-create-workspace':                    '1 1 1 1 0 1 0',
  'can-create-workspace-migration':          '1 1 1 1 0 1 0',
  'can-manage-users':                        '1 1 1 1 0 0 0',
  'can-manage-subscription':                 '1 1 1 0 0 0 0',
  'can-view-subscription':                   '1 1 1 1 0 0 0',
  'can-manage-sso':                          '1 1 1 0 0 0 0',
  'can-update-oauth':                        '1 1 1 1 0 0 0',
  'can-update-sentinel':                     '1 1 1 1 0 0 0',
  'can-update-ssh-keys':                     '1 1 1 1 0 0 0',
  'can-update-api-token':                    '1 1 1 1 0 0 0',
  'can-traverse':                            '1 1 1 1 1 1 0',
  'can-view-usage':                          '1 1 1 1 0 0 0',
  'can-update-agent-pools':                  '1 1 1 1 0 0 0',
  'can-manage-tags':                         '1 1 1 1 0 1 0',
  'can-manage-varsets':                      '1 1 1 1 0 1 0',
  'can-read-varsets':                        '1 1 1 1 1 1 0',
  'can-manage-public-providers':             '1 1 1 1 0 0 0',
  'can-create-provider':                     '1 1 1 1 0 0 0',
  'can-manage-public-modules':               '1 1 1 1 0 0 0',
  'can-manage-custom-providers':             '1 1 1 1 0 0 0',
  'can-manage-run-tasks':                    '1 1 1 1 0 0 0',
  'can-read-run-tasks':                      '1 1 1 1 1 1 0',
  'can-create-project':                      '1 1 1 1 0 0 0',
  'can-enable-stacks':                       '0 0 0 0 0 0 0',
  'can-manage-org-public-providers':         '1 1 1 1 0 0 0',
  'can-manage-org-public-modules':           '1 1 1 1 0 0 0',
  'can-manage-assessments':                  '1 1 1 1 0 1 0',
  'can-read-assessments':                    '1 1 1 1 1 1 0',
  'can-view-explorer':                       '1 1 1 1 1 1 0',
  'can-deploy-no-code-modules':              '1 1 1 1 0 1 0',
  'can-manage-no-code-modules':              '1 1 1 1 0 0 0',
  'can-create-change-requests':              '0 0 0 0 0 0 0',
  'can-manage-saved-views':                  '1 1 1 1 0 1 0',
  'can-read-saved-views':                    '1 1 1 1 1 1 0',
};

/** The keys of TFE's documented owner example (the list). */
const TFE_EXAMPLE_KEYS = [
  'can-update', 'can-update-authentication', 'can-destroy', 'can-access-via-teams', 'can-create-module', 'can-create-team', 'can-create-workspace',
  'can-manage-users', 'can-manage-subscription', 'can-view-subscription', 'can-manage-sso', 'can-update-oauth', 'can-update-sentinel', 'can-update-ssh-keys',
  'can-update-api-token', 'can-traverse', 'can-view-usage', 'can-update-agent-pools', 'can-manage-tags', 'can-manage-varsets', 'can-read-varsets',
  'can-manage-public-providers', 'can-create-provider', 'can-manage-public-modules', 'can-manage-custom-providers', 'can-manage-run-tasks', 'can-read-run-tasks',
  'can-create-project', 'can-enable-stacks', 'can-manage-org-public-providers', 'can-manage-org-public-modules', 'can-manage-assessments', 'can-read-assessments',
  'can-view-explorer', 'can-deploy-no-code-modules', 'can-manage-no-code-modules', 'can-create-change-requests', 'can-manage-saved-views', 'can-read-saved-views',
];

describe('organization permissions per caller type', () => {
  it('carries every key of TFE\'s documented example, all booleans', () => {
    const perms = organizationPermissions(CALLERS.owner!());
    for (const key of TFE_EXAMPLE_KEYS) assert.equal(typeof perms[key as OrganizationPermissionKey], 'boolean', key);
    assert.deepEqual(Object.keys(TABLE).sort(), Object.keys(ORGANIZATION_PERMISSION_KEYS).sort());
  });

  it("an owner's object matches TFE's example: all true except can-enable-stacks and can-create-change-requests", () => {
    const perms = organizationPermissions(CALLERS.owner!());
    for (const key of TFE_EXAMPLE_KEYS) assert.equal(perms[key as OrganizationPermissionKey], !['can-enable-stacks', 'can-create-change-requests'].includes(key), key);
  });

  COLUMNS.forEach((caller, column) => {
    it(`${caller}: every key as in the table`, () => {
      const perms = organizationPermissions(CALLERS[caller]!());
      for (const [key, row] of Object.entries(TABLE)) {
        const expected = row.split(' ')[column] === '1';
        assert.equal(perms[key as OrganizationPermissionKey], expected, `${caller} ${key}`);
      }
    });
  });
});
