/**
 * SSH keys (TFE API "SSH Keys"): an organization's private keys for fetching Terraform modules
 * from private git repositories. Nothing here clones a repository, so nothing here needs the key:
 * only a SHA-256 fingerprint of the value is kept (to tell "a key was set" and "the same key
 * again"), and the value itself is neither stored, returned nor logged (a leaked store or log
 * must not leak a deploy key).
 *
 * Validation: TFE accepts any non-blank value (HashiCorp's own go-tfe tests create keys with a
 * UUID as the value), so a strict PEM parse would refuse TFE's own client tests. What is refused
 * is what is certainly wrong: blank, oversized, control characters, and the usual paste mistakes
 * (a public key, a certificate); a value that starts like PEM must be a whole private-key block.
 */
import { createHash } from 'node:crypto';
import type { WorkspaceRecord } from '../store/types.ts';
import type { ResourceRecord } from '../store/types-resources.ts';
import { newId, type TfeDeps } from './deps.ts';
import { TfeError } from './errors.ts';
import { newResource } from './resource-records.ts';

export const SSH_KEY_TYPE = 'ssh-keys';
/** The link record naming a workspace's SSH key: workspaceId = the workspace, parentId = the key (both cascade). */
export const WORKSPACE_SSH_KEY_TYPE = 'workspace-ssh-keys';

export interface SshKeyAttributes {
  name: string;
  /** `SHA256:<base64>` of the value; the value itself is never kept. */
  fingerprint: string;
}

const MAX_VALUE = 16 * 1024;
const PEM_PRIVATE = /^-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY)-----\r?\n[A-Za-z0-9+/=:,\-\s]+\r?\n-----END \1-----\s*$/;

export function validateSshKeyName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') throw new TfeError('invalid', "Name can't be blank", 'name');
  if (name.length > 255) throw new TfeError('invalid', 'Name is at most 255 characters', 'name');
  return name.trim();
}

/** The value's fingerprint, or a TfeError saying what is wrong with it (never echoing it). */
export function sshKeyFingerprint(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw new TfeError('invalid', "Value can't be blank", 'value');
  if (value.length > MAX_VALUE) throw new TfeError('invalid', `Value is at most ${MAX_VALUE} characters (a private key in PEM form)`, 'value');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value)) throw new TfeError('invalid', 'Value must be text (a private key in PEM form), without control characters', 'value');
  const v = value.trim();
  if (/^(ssh-(rsa|dss|ed25519)|ecdsa-sha2-\S+|sk-\S+@openssh\.com) AAAA/.test(v) || v.startsWith('-----BEGIN PUBLIC KEY') || v.startsWith('-----BEGIN SSH2 PUBLIC KEY')) {
    throw new TfeError('invalid', 'Value is a public key; send the private key (the file without .pub, "-----BEGIN ... PRIVATE KEY-----")', 'value');
  }
  if (v.startsWith('-----BEGIN CERTIFICATE')) throw new TfeError('invalid', 'Value is a certificate; send the private key ("-----BEGIN ... PRIVATE KEY-----")', 'value');
  if (v.startsWith('-----BEGIN') && !PEM_PRIVATE.test(v + '\n')) {
    throw new TfeError('invalid', 'Value starts like PEM but is not one whole private-key block ("-----BEGIN ... PRIVATE KEY-----", base64 lines, the matching "-----END ... PRIVATE KEY-----")', 'value');
  }
  return `SHA256:${createHash('sha256').update(value, 'utf8').digest('base64').replace(/=+$/, '')}`;
}

export type SshKey = ResourceRecord<SshKeyAttributes>;

export async function createSshKey(d: TfeDeps, organizationId: string, input: { name: unknown; value: unknown }): Promise<SshKey> {
  const record = newResource<SshKeyAttributes>({ id: newId(d.ids, 'sshkey'), type: SSH_KEY_TYPE, organizationId, at: d.clock.now(), attributes: { name: validateSshKeyName(input.name), fingerprint: sshKeyFingerprint(input.value) } });
  await d.store.resources.create(record);
  return record;
}

/** Only what is sent changes; a new value replaces the fingerprint (the value itself is still not kept). */
export async function updateSshKey(d: Pick<TfeDeps, 'store' | 'clock'>, key: SshKey, input: { name?: unknown; value?: unknown }): Promise<SshKey> {
  const next: SshKeyAttributes = { ...key.attributes };
  if (input.name !== undefined) next.name = validateSshKeyName(input.name);
  if (input.value !== undefined) next.fingerprint = sshKeyFingerprint(input.value);
  const updated = await d.store.resources.update<SshKeyAttributes>(SSH_KEY_TYPE, key.id, { attributes: next, updatedAt: d.clock.now() });
  if (!updated) throw new TfeError('not-found', 'ssh key not found');
  return updated;
}

/** The workspaces' links to it have parentId = the key and go with it. */
export async function deleteSshKey(d: Pick<TfeDeps, 'store'>, key: SshKey): Promise<boolean> {
  return d.store.resources.delete(SSH_KEY_TYPE, key.id);
}

/**
 * A workspace has at most one SSH key: assigning replaces the link, `null` unassigns. The key
 * must belong to the workspace's organization (the caller has already checked it may manage it).
 */
export async function assignSshKey(d: TfeDeps, workspace: WorkspaceRecord, key: SshKey | null): Promise<string | null> {
  const links = await d.store.resources.listAll(WORKSPACE_SSH_KEY_TYPE, { workspaceId: workspace.id });
  if (key) {
    if (key.organizationId !== workspace.organizationId) throw new TfeError('invalid', `SSH key ${key.id} was not found in this workspace's organization`, 'id');
    await d.store.resources.create(newResource({ id: newId(d.ids, 'wsshkey'), type: WORKSPACE_SSH_KEY_TYPE, organizationId: workspace.organizationId, workspaceId: workspace.id, parentId: key.id, at: d.clock.now(), attributes: {} }));
  }
  for (const l of links) await d.store.resources.delete(WORKSPACE_SSH_KEY_TYPE, l.id);
  return key?.id ?? null;
}
