/**
 * Configuration versions (TFE API "Configuration Versions"): created pending, uploaded once
 * (a second upload of the same version is refused: the upload URL is a one-time capability), and
 * an auto-queue-runs version queues its run when the upload lands, as TFE does.
 */
import type { ConfigurationVersionRecord, RunRecord } from '../store/types.ts';
import { TfeError } from './errors.ts';
import { queueRun } from './run-queue.ts';
import { resourceAddressesOfSlug, SlugError } from './synthetic-plan.ts';
import type { DomainDeps } from './workspaces.ts';

export async function createConfigurationVersion(d: DomainDeps, workspaceId: string, input: { autoQueueRuns?: boolean; speculative?: boolean }): Promise<ConfigurationVersionRecord> {
  const now = d.clock.now();
  const cv: ConfigurationVersionRecord = {
    id: `cv-${d.ids.random(16)}`,
    workspaceId,
    status: 'pending',
    source: 'tfe-api',
    autoQueueRuns: input.autoQueueRuns ?? true,
    speculative: input.speculative ?? false,
    error: null,
    errorMessage: null,
    createdAt: now,
    statusTimestamps: { 'queued-at': now },
    resourceAddresses: null,
    size: null,
  };
  await d.store.configurationVersions.create(cv);
  return cv;
}

/** Stores the slug (tar.gz) of a pending version; the run it queued, if it auto-queues runs. */
export async function uploadConfigurationVersion(d: DomainDeps, id: string, slug: Buffer): Promise<{ run: RunRecord | null }> {
  let addresses: string[];
  try {
    addresses = await resourceAddressesOfSlug(slug);
  } catch (err) {
    if (err instanceof SlugError) throw new TfeError('invalid', err.message, '/');
    throw err;
  }
  const result = await d.store.configurationVersions.markUploaded(id, slug, addresses, d.clock.now());
  if (result === 'not-found') throw new TfeError('not-found', 'configuration version not found');
  if (result === 'not-pending') throw new TfeError('spent', 'this configuration version was already uploaded; create a new configuration version to upload again');
  const cv = await d.store.configurationVersions.get(id);
  const workspace = cv && (await d.store.workspaces.get(cv.workspaceId));
  if (!cv?.autoQueueRuns || !workspace) return { run: null };
  return { run: await queueRun(d, { workspace, configurationVersion: cv, createdBy: null, source: 'tfe-configuration-version', message: 'Triggered via API' }) };
}
