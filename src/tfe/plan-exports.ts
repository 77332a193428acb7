/**
 * Plan exports (TFE API "Plan Exports"): a run's plan exported as a Sentinel mock bundle
 * (`sentinel-mock-bundle-v0`), the only data type TFE has. Simulated: no Terraform runs here, so
 * the bundle is a small tar.gz of Sentinel mocks generated from the synthetic plan's counts
 * (`mock-tfplan-v2.sentinel`, `mock-tfrun.sentinel`, `sentinel.hcl`), and an export is `pending`
 * until it is first read, then `finished` (TFE: pending -> queued -> finished, asynchronously).
 */
import { gzipSync } from 'node:zlib';
import type { RunRecord, WorkspaceRecord } from '../store/types.ts';
import type { ResourceRecord } from '../store/types-resources.ts';
import { newId, type TfeDeps } from './deps.ts';
import { TfeError } from './errors.ts';
import { newResource } from './resource-records.ts';

export const PLAN_EXPORT_TYPE = 'plan-exports';
export const PLAN_EXPORT_DATA_TYPES = ['sentinel-mock-bundle-v0'] as const;

export interface PlanExportAttributes {
  planId: string;
  runId: string;
  dataType: (typeof PLAN_EXPORT_DATA_TYPES)[number];
  status: 'pending' | 'finished';
  statusTimestamps: Record<string, number>;
}

export function validateDataType(value: unknown): PlanExportAttributes['dataType'] {
  if (value === undefined || value === null || value === '') throw new TfeError('invalid', "Data type can't be blank (the one data type is sentinel-mock-bundle-v0)", 'data-type');
  if (value !== 'sentinel-mock-bundle-v0') throw new TfeError('invalid', `Data type ${JSON.stringify(value)} is not supported (the one data type is sentinel-mock-bundle-v0)`, 'data-type');
  return value;
}

/** TFE exports only a plan that has finished. */
export function assertExportable(run: RunRecord): void {
  if (run.plan.status !== 'finished') throw new TfeError('invalid', `plan ${run.plan.id} is ${run.plan.status}; only a finished plan can be exported`, 'plan');
}

function tarEntry(name: string, content: string, mtime: number): Buffer {
  const data = Buffer.from(content, 'utf8');
  const h = Buffer.alloc(512, 0);
  const octal = (n: number, length: number) => n.toString(8).padStart(length - 1, '0') + '\0';
  h.write(name, 0, 100, 'ascii');
  h.write(octal(0o644, 8), 100, 8, 'ascii');
  h.write(octal(0, 8), 108, 8, 'ascii');
  h.write(octal(0, 8), 116, 8, 'ascii');
  h.write(octal(data.length, 12), 124, 12, 'ascii');
  h.write(octal(mtime, 12), 136, 12, 'ascii');
  h.write('        ', 148, 8, 'ascii'); // the checksum counts its own field as spaces
  h.write('0', 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 8, 'ascii');
  return Buffer.concat([h, data, Buffer.alloc((512 - (data.length % 512)) % 512, 0)]);
}

/** The mock bundle for `run`'s plan, the same bytes every time for the same run. */
export function mockBundle(run: RunRecord): Buffer {
  const mtime = Math.floor(run.createdAt / 1000);
  const p = run.plan;
  const files: Record<string, string> = {
    'sentinel.hcl': 'mock "tfplan/v2" {\n  module {\n    source = "mock-tfplan-v2.sentinel"\n  }\n}\n\nmock "tfrun" {\n  module {\n    source = "mock-tfrun.sentinel"\n  }\n}\n',
    'mock-tfplan-v2.sentinel': `# Simulated by samlgate: a synthetic plan, no Terraform ran.\nresource_changes = {}\n\nsummary = {\n\t"additions": ${p.resourceAdditions},\n\t"changes": ${p.resourceChanges},\n\t"destructions": ${p.resourceDestructions},\n}\n`,
    'mock-tfrun.sentinel': `id = "${run.id}"\nis_destroy = ${run.isDestroy ? 'true' : 'false'}\nmessage = ${JSON.stringify(run.message ?? '')}\n`,
  };
  const parts = Object.entries(files).map(([name, content]) => tarEntry(name, content, mtime));
  return gzipSync(Buffer.concat([...parts, Buffer.alloc(1024, 0)]));
}

export type PlanExport = ResourceRecord<PlanExportAttributes>;

/** A pending export of `run`'s plan; the plan must have finished. */
export async function createPlanExport(d: TfeDeps, workspace: WorkspaceRecord, run: RunRecord, dataType: PlanExportAttributes['dataType']): Promise<PlanExport> {
  assertExportable(run);
  const now = d.clock.now();
  const record = newResource<PlanExportAttributes>({
    id: newId(d.ids, 'pe'),
    type: PLAN_EXPORT_TYPE,
    organizationId: workspace.organizationId,
    workspaceId: workspace.id,
    at: now,
    attributes: { planId: run.plan.id, runId: run.id, dataType, status: 'pending', statusTimestamps: { 'queued-at': now } },
  });
  await d.store.resources.create(record);
  return record;
}

/** Simulated: the bundle is generated on demand, so a pending export is done once anyone looks (it expires an hour later, as TFE's do). */
export async function finishPlanExport(d: Pick<TfeDeps, 'store' | 'clock'>, pe: PlanExport): Promise<PlanExport> {
  if (pe.attributes.status !== 'pending') return pe;
  const now = d.clock.now();
  const attributes: PlanExportAttributes = { ...pe.attributes, status: 'finished', statusTimestamps: { ...pe.attributes.statusTimestamps, 'finished-at': now, 'expired-at': now + 60 * 60_000 } };
  return (await d.store.resources.update<PlanExportAttributes>(PLAN_EXPORT_TYPE, pe.id, { attributes, updatedAt: now })) ?? pe;
}

export async function deletePlanExport(d: Pick<TfeDeps, 'store'>, pe: PlanExport): Promise<boolean> {
  return d.store.resources.delete(PLAN_EXPORT_TYPE, pe.id);
}
