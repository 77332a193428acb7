/**
 * The private registry (TFE API: private-registry/modules and private-registry/providers):
 * no-code/API-published modules with versions, and providers. Names and versions validated as
 * the registry protocol requires; a module is unique per (organization, namespace, name,
 * provider), a version per module, a provider per (organization, namespace, name).
 */
import { StoreConflictError, type OrganizationRecord } from '../store/types.ts';
import type { ResourceRecord } from '../store/types-resources.ts';
import { newId, type TfeDeps } from './deps.ts';
import { invalid, TfeError } from './errors.ts';
import { newResource } from './resource-records.ts';

export const MODULE_TYPE = 'registry-modules';
export const MODULE_VERSION_TYPE = 'registry-module-versions';
export const PROVIDER_TYPE = 'registry-providers';

export interface ModuleAttributes {
  name: string;
  provider: string;
  namespace: string;
  registryName: 'private';
  noCode: boolean;
}

export interface ModuleVersionAttributes {
  version: string;
  /** pending until a tarball is uploaded to the upload link, then ok. */
  status: 'pending' | 'ok';
  /** Size of the uploaded tarball (bytes), when uploaded. */
  size: number | null;
}

export interface ProviderAttributes {
  name: string;
  namespace: string;
  registryName: 'private';
}

/** Registry protocol: module names are letters, digits, dashes and underscores. */
const MODULE_NAME = /^[0-9A-Za-z](?:[0-9A-Za-z_-]{0,62}[0-9A-Za-z])?$/;
/** Registry protocol: a module's provider (system) name is lowercase letters and digits. */
const MODULE_PROVIDER = /^[0-9a-z]{1,64}$/;
const PROVIDER_NAME = /^[0-9a-z](?:[0-9a-z-]{0,62}[0-9a-z])?$/;
/** Semantic versioning 2.0 (with pre-release and build metadata), as the registry requires. */
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

export function checkModuleName(name: string | undefined): string {
  if (!name) throw invalid('name', "Name can't be blank");
  if (!MODULE_NAME.test(name)) throw invalid('name', 'Name is invalid: use letters, digits, dashes and underscores (at most 64)');
  return name;
}

export function checkModuleProvider(provider: string | undefined): string {
  if (!provider) throw invalid('provider', "Provider can't be blank");
  if (!MODULE_PROVIDER.test(provider)) throw invalid('provider', 'Provider is invalid: use lowercase letters and digits (at most 64)');
  return provider;
}

export function checkProviderName(name: string | undefined): string {
  if (!name) throw invalid('name', "Name can't be blank");
  if (!PROVIDER_NAME.test(name)) throw invalid('name', 'Name is invalid: use lowercase letters, digits and dashes (at most 64)');
  return name;
}

export function checkVersion(version: string | undefined): string {
  if (!version) throw invalid('version', "Version can't be blank");
  if (!SEMVER.test(version)) throw invalid('version', 'Version is not a valid semantic version (e.g. 1.2.3)');
  return version;
}

/** Only the private registry is ours: the public one is registry.terraform.io's. */
export function checkRegistryName(registryName: string | undefined, field = 'registry-name'): 'private' {
  if (registryName === undefined || registryName === 'private') return 'private';
  throw invalid(field, registryName === 'public' ? 'Registry name public is not simulated: samlgate has only the private registry' : 'Registry name must be private or public');
}

export const moduleKey = (organizationId: string, namespace: string, name: string, provider: string) => `${organizationId}/${namespace}/${name}/${provider}`.toLowerCase();
export const versionKey = (moduleId: string, version: string) => `${moduleId}/${version}`;
export const providerKey = (organizationId: string, namespace: string, name: string) => `${organizationId}/${namespace}/${name}`.toLowerCase();

export type RegistryModule = ResourceRecord<ModuleAttributes>;
export type RegistryModuleVersion = ResourceRecord<ModuleVersionAttributes>;
export type RegistryProvider = ResourceRecord<ProviderAttributes>;

/** The unique key decides, atomically: a taken one is TFE's "has already been taken". */
async function created(d: Pick<TfeDeps, 'store'>, record: ResourceRecord<unknown>, taken: () => TfeError): Promise<void> {
  try {
    await d.store.resources.create(record);
  } catch (err) {
    if (err instanceof StoreConflictError) throw taken();
    throw err;
  }
}

/** `namespace` is the organization's name (checked by the caller, who knows the route). */
export async function createModule(d: TfeDeps, org: OrganizationRecord, input: { name: string; provider: string; namespace: string; noCode: boolean }): Promise<RegistryModule> {
  const { name, provider, namespace } = input;
  const record = newResource<ModuleAttributes>({ id: newId(d.ids, 'mod'), type: MODULE_TYPE, organizationId: org.id, uniqueKey: moduleKey(org.id, namespace, name, provider), at: d.clock.now(), attributes: { name, provider, namespace, registryName: 'private', noCode: input.noCode } });
  await created(d, record, () => new TfeError('taken', `Name has already been taken: a module ${name} for provider ${provider} exists in ${namespace}`, 'name'));
  return record;
}

/** A pending version; its tarball comes by the upload URL (uploadModuleVersion). */
export async function createModuleVersion(d: TfeDeps, m: RegistryModule, version: string): Promise<RegistryModuleVersion> {
  const record = newResource<ModuleVersionAttributes>({ id: newId(d.ids, 'modver'), type: MODULE_VERSION_TYPE, organizationId: m.organizationId, parentId: m.id, uniqueKey: versionKey(m.id, version), at: d.clock.now(), attributes: { version, status: 'pending', size: null } });
  await created(d, record, () => new TfeError('taken', `Version has already been taken: ${m.attributes.name} ${version} exists`, 'version'));
  return record;
}

/** A version is uploaded once; the bytes must be a gzip stream (1f 8b), the tar.gz the registry serves. */
export async function uploadModuleVersion(d: Pick<TfeDeps, 'store' | 'clock'>, v: RegistryModuleVersion, bytes: Buffer): Promise<void> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) throw invalid('body', 'the upload must be a gzipped tarball (tar.gz) of the module');
  if (v.attributes.status === 'ok') throw new TfeError('spent', 'this module version was already uploaded');
  await d.store.resources.update<ModuleVersionAttributes>(MODULE_VERSION_TYPE, v.id, { attributes: { ...v.attributes, status: 'ok', size: bytes.length }, updatedAt: d.clock.now() });
}

export async function deleteModuleVersion(d: Pick<TfeDeps, 'store'>, v: RegistryModuleVersion): Promise<boolean> {
  return d.store.resources.delete(MODULE_VERSION_TYPE, v.id);
}

/** Each module's versions (parentId = the module) go with it. */
export async function deleteModules(d: Pick<TfeDeps, 'store'>, modules: RegistryModule[]): Promise<void> {
  for (const m of modules) await d.store.resources.delete(MODULE_TYPE, m.id);
}

export async function createProvider(d: TfeDeps, org: OrganizationRecord, input: { name: string; namespace: string }): Promise<RegistryProvider> {
  const { name, namespace } = input;
  const record = newResource<ProviderAttributes>({ id: newId(d.ids, 'prov'), type: PROVIDER_TYPE, organizationId: org.id, uniqueKey: providerKey(org.id, namespace, name), at: d.clock.now(), attributes: { name, namespace, registryName: 'private' } });
  await created(d, record, () => new TfeError('taken', `Name has already been taken: a provider ${name} exists in ${namespace}`, 'name'));
  return record;
}

export async function deleteProvider(d: Pick<TfeDeps, 'store'>, p: RegistryProvider): Promise<boolean> {
  return d.store.resources.delete(PROVIDER_TYPE, p.id);
}
