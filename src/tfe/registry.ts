/**
 * The private registry (TFE API: private-registry/modules and private-registry/providers):
 * no-code/API-published modules with versions, and providers. Names and versions validated as
 * the registry protocol requires; a module is unique per (organization, namespace, name,
 * provider), a version per module, a provider per (organization, namespace, name).
 */
import { invalid } from './errors.ts';

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
