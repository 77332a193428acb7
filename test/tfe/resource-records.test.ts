/** newResource is the one constructor of a resource record: what it fills in must match the literals it replaced. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newResource } from '../../src/tfe/resource-records.ts';

describe('newResource', () => {
  it('a parent or unique key left out is null, and createdAt and updatedAt are both `at`', () => {
    assert.deepEqual(newResource({ id: 'pol-1', type: 'policies', organizationId: 'org-1', at: 5, attributes: { name: 'p' } }), {
      id: 'pol-1', type: 'policies', organizationId: 'org-1', workspaceId: null, parentId: null, uniqueKey: null, createdAt: 5, updatedAt: 5, attributes: { name: 'p' },
    });
  });

  it('keeps the parents and unique key it is given', () => {
    const r = newResource({ id: 'var-1', type: 'vars', organizationId: 'org-1', workspaceId: 'ws-1', parentId: 'polset-1', uniqueKey: 'polset-1/k', at: 7, attributes: {} });
    assert.deepEqual([r.workspaceId, r.parentId, r.uniqueKey], ['ws-1', 'polset-1', 'polset-1/k']);
  });
});
