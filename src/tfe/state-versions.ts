/**
 * State versions: what an upload must carry and how it relates to the current state (API docs:
 * "State Versions"; Terraform's remote state rules). Shared by the v2 API and the legacy v1
 * state endpoint (rule T4), so both bind to the same workspace state.
 *
 * - The md5 must be the MD5 of the exact bytes; the state must be a JSON object.
 * - serial and lineage given as attributes are what is recorded; when absent (the v1 API) they are
 *   read from the state itself. They are not cross-checked against the file: go-tfe 0.11's own
 *   integration tests upload one fixture as serial 0, 1 and 2 under two lineages, which TFE took.
 * - Against the current version (unless `force`): another lineage is a different state (409);
 *   a lower serial is stale (409); the same serial is accepted only for the identical bytes (an
 *   idempotent retry, answered with the current version), else 409.
 * - Outputs are read from the state's `outputs` for state-version-outputs.
 * The write is compare-and-set on the current version (StateVersionStore.create): two racing
 * uploads cannot both win against the same parent.
 */
import { createHash } from 'node:crypto';
import type { LockHolder, StateOutputRecord, StateVersionRecord, WorkspaceRecord } from '../store/types.ts';
import type { DomainDeps } from './workspaces.ts';

export interface StateUpload {
  state: Buffer;
  /** Hex MD5 the client claims for `state`. */
  md5: string;
  serial?: number;
  lineage?: string;
  force: boolean;
  runId: string | null;
  createdBy: LockHolder | null;
}

/** What is wrong (a TfeError code, mapped to a status at the edge) and, for `invalid`, where (v2 attribute names). */
export type StateRejection =
  | { code: 'invalid'; field: 'md5' | 'state' | 'serial' | 'lineage'; detail: string }
  | { code: 'stale'; detail: string };

export type StateWriteResult = { ok: true; stateVersion: StateVersionRecord; created: boolean } | { ok: false; rejection: StateRejection };

const reject422 = (field: 'md5' | 'state' | 'serial' | 'lineage', detail: string): StateWriteResult => ({ ok: false, rejection: { code: 'invalid', field, detail } });
const reject409 = (detail: string): StateWriteResult => ({ ok: false, rejection: { code: 'stale', detail } });

export const md5Hex = (b: Buffer) => createHash('md5').update(b).digest('hex');

function outputsOf(state: Record<string, unknown>, newId: () => string): StateOutputRecord[] {
  const outputs = state.outputs;
  if (!outputs || typeof outputs !== 'object' || Array.isArray(outputs)) return [];
  return Object.entries(outputs as Record<string, unknown>).map(([name, raw]) => {
    const o = (raw ?? {}) as { value?: unknown; type?: unknown; sensitive?: unknown };
    const type = typeof o.type === 'string' ? o.type : o.type !== undefined ? JSON.stringify(o.type) : typeof o.value === 'object' ? 'object' : typeof o.value;
    return { id: newId(), name, sensitive: o.sensitive === true, type, value: o.value ?? null };
  });
}

export async function writeStateVersion(d: DomainDeps, workspace: WorkspaceRecord, u: StateUpload): Promise<StateWriteResult> {
  if (!/^[0-9a-f]{32}$/i.test(u.md5)) return reject422('md5', 'md5 must be the 32 hex digits of the MD5 of the state');
  if (md5Hex(u.state) !== u.md5.toLowerCase()) return reject422('md5', `md5 ${u.md5} does not match the state that was sent (its MD5 is ${md5Hex(u.state)})`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(u.state.toString('utf8'));
  } catch {
    return reject422('state', 'state is not valid JSON: send the Terraform state file, base64-encoded');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return reject422('state', 'state must be a JSON object (a Terraform state file)');
  const doc = parsed as Record<string, unknown>;
  const stateSerial = typeof doc.serial === 'number' ? doc.serial : undefined;
  const stateLineage = typeof doc.lineage === 'string' ? doc.lineage : undefined;
  const serial = u.serial ?? stateSerial;
  if (serial === undefined || !Number.isSafeInteger(serial) || serial < 0) return reject422('serial', 'serial is required: a whole number, the state\'s own serial');
  const lineage = u.lineage ?? stateLineage ?? null;

  const currentId = workspace.currentStateVersionId;
  const current = currentId ? await d.store.stateVersions.get(currentId) : undefined;
  if (current && !u.force) {
    if (current.lineage && lineage && current.lineage !== lineage) {
      return reject409(`lineage ${lineage} differs from the current state's lineage ${current.lineage}: this is a different state; send force to replace it`);
    }
    if (serial < current.serial) return reject409(`serial ${serial} is older than the current state's serial ${current.serial}; refresh and retry, or send force`);
    if (serial === current.serial) {
      if (current.md5 === u.md5.toLowerCase()) return { ok: true, stateVersion: current, created: false };
      return reject409(`serial ${serial} is already taken by the current state with different content; increment the serial`);
    }
  }
  const record: StateVersionRecord = {
    id: `sv-${d.ids.random(16)}`,
    workspaceId: workspace.id,
    serial,
    lineage,
    md5: u.md5.toLowerCase(),
    size: u.state.length,
    createdAt: d.clock.now(),
    runId: u.runId,
    createdBy: u.createdBy,
    outputs: outputsOf(doc, () => `wsout-${d.ids.random(16)}`),
    terraformVersion: typeof doc.terraform_version === 'string' ? doc.terraform_version : null,
  };
  const written = await d.store.stateVersions.create(record, u.state, current?.id ?? null);
  if (!written.ok) {
    if (written.reason === 'current-changed') return reject409('another state version was written at the same time; read the current state and retry');
    return reject409('the workspace no longer exists');
  }
  return { ok: true, stateVersion: record, created: true };
}
