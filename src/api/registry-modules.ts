/**
 * The private registry's modules and providers:
 * https://developer.hashicorp.com/terraform/enterprise/api-docs/private-registry/modules
 * https://developer.hashicorp.com/terraform/enterprise/api-docs/private-registry/providers
 *
 * Current API:
 *   GET/POST /organizations/:org/registry-modules
 *   GET      /organizations/:org/registry-modules/private/:namespace/:name/:provider
 *   POST     /organizations/:org/registry-modules/private/:namespace/:name/:provider/versions
 *   DELETE   /organizations/:org/registry-modules/private/:namespace/:name[/:provider[/:version]]
 *   GET/POST /organizations/:org/registry-providers
 *   GET/DELETE /organizations/:org/registry-providers/private/:namespace/:name
 * go-tfe 0.11.1's older paths (same handlers, namespace = the organization):
 *   POST /registry-modules/:org/:name/:provider/versions      GET /registry-modules/show/:org/:name/:provider
 *   POST /registry-modules/actions/delete/:org/:name[/:provider[/:version]]
 * Reads need organization:read; writes organization:manage-modules / manage-providers, as the
 * organization's can-create-module / can-create-provider say. Versions are uploaded to a
 * capability URL (links.upload); nothing is ever served back to Terraform (not simulated).
 */
import type { Request, Response } from 'express';
import type { ApiRoutes } from '../http/route-table.ts';
import { z } from 'zod';
import type { OrganizationRecord } from '../store/types.ts';
import type { ResourceRecord } from '../store/types-resources.ts';
import { organizationFor } from '../tfe/access.ts';
import { authorize, type Action } from '../tfe/authorize.ts';
import { invalid } from '../tfe/errors.ts';
import {
  checkModuleName,
  checkModuleProvider,
  checkProviderName,
  checkRegistryName,
  checkVersion,
  createModule as createModuleOf,
  createModuleVersion as createVersionOf,
  createProvider,
  deleteModules,
  deleteModuleVersion,
  deleteProvider,
  MODULE_TYPE,
  MODULE_VERSION_TYPE,
  moduleKey,
  PROVIDER_TYPE,
  providerKey,
  type ModuleAttributes,
  type ModuleVersionAttributes,
  type ProviderAttributes,
  uploadModuleVersion,
} from '../tfe/registry.ts';
import { capabilityUrl, useCapability } from '../gateway/capability-standing.ts';
import type { GatewayContext } from '../gateway/context.ts';
import { iso, paginationMeta, parseBody, readPage, sendDocument, sendNotFound } from './jsonapi.ts';
import { principalOf } from './principal.ts';

type Mod = ResourceRecord<ModuleAttributes>;
type Ver = ResourceRecord<ModuleVersionAttributes>;
type Prov = ResourceRecord<ProviderAttributes>;

const str = z.string({ error: 'must be a string' });
const moduleBody = z.object({
  data: z.object({
    type: z.literal(MODULE_TYPE, { error: `must be "${MODULE_TYPE}"` }).optional(),
    attributes: z.object({ name: str.optional(), provider: str.optional(), namespace: str.optional(), 'registry-name': str.optional(), 'no-code': z.boolean({ error: 'must be true or false' }).optional(), 'vcs-repo': z.unknown().optional() }).default({}),
  }),
});
const versionBody = z.object({
  data: z.object({
    type: z.literal(MODULE_VERSION_TYPE, { error: `must be "${MODULE_VERSION_TYPE}"` }).optional(),
    attributes: z.object({ version: str.optional(), 'commit-sha': str.optional() }).default({}),
  }),
});
const providerBody = z.object({
  data: z.object({
    type: z.literal(PROVIDER_TYPE, { error: `must be "${PROVIDER_TYPE}"` }).optional(),
    attributes: z.object({ name: str.optional(), namespace: str.optional(), 'registry-name': str.optional() }).default({}),
  }),
});

/** A tarball of a module version: the same bound as a configuration upload's order of size. */
export const MODULE_TARBALL_LIMIT = 100 * 1024 * 1024;

export function addRegistryRoutes(router: ApiRoutes, ctx: GatewayContext): void {
  const orgFor = async (req: Request, action: Action) => {
    const found = await organizationFor(ctx, principalOf(req), req.params.org as string, 'organization:read');
    if (!found || !authorize(found.facts, action)) return undefined;
    return found;
  };

  const moduleResource = async (m: Mod, org: OrganizationRecord, mayManage: boolean) => {
    const versions = await ctx.store.resources.listAll<ModuleVersionAttributes>(MODULE_VERSION_TYPE, { parentId: m.id });
    const a = m.attributes;
    return {
      id: m.id,
      type: MODULE_TYPE,
      attributes: {
        name: a.name,
        namespace: a.namespace,
        provider: a.provider,
        'registry-name': a.registryName,
        'no-code': a.noCode,
        'publishing-mechanism': 'registry_api',
        status: versions.some((v) => v.attributes.status === 'ok') ? 'setup_complete' : 'pending',
        'version-statuses': versions.map((v) => ({ version: v.attributes.version, status: v.attributes.status })),
        'vcs-repo': null,
        'created-at': iso(m.createdAt),
        'updated-at': iso(m.updatedAt),
        permissions: { 'can-delete': mayManage, 'can-resync': mayManage, 'can-retry': mayManage },
      },
      relationships: { organization: { data: { id: org.name, type: 'organizations' } } },
      links: { self: `/api/v2/organizations/${org.name}/registry-modules/private/${a.namespace}/${a.name}/${a.provider}` },
    };
  };

  const versionResource = (v: Ver, m: Mod, upload?: string) => ({
    id: v.id,
    type: MODULE_VERSION_TYPE,
    attributes: { source: 'tfe-api', status: v.attributes.status, version: v.attributes.version, 'created-at': iso(v.createdAt), 'updated-at': iso(v.updatedAt) },
    relationships: { 'registry-module': { data: { id: m.id, type: MODULE_TYPE } } },
    links: upload ? { upload } : {},
  });

  const findModule = (org: OrganizationRecord, namespace: string, name: string, provider: string) =>
    ctx.store.resources.listAll<ModuleAttributes>(MODULE_TYPE, { organizationId: org.id }).then((all) => all.find((m) => m.uniqueKey === moduleKey(org.id, namespace, name, provider)));
  const modulesNamed = (org: OrganizationRecord, namespace: string, name: string) =>
    ctx.store.resources.listAll<ModuleAttributes>(MODULE_TYPE, { organizationId: org.id }).then((all) => all.filter((m) => m.attributes.namespace.toLowerCase() === namespace.toLowerCase() && m.attributes.name.toLowerCase() === name.toLowerCase()));

  const namespaceOf = (org: OrganizationRecord, given: string | undefined) => {
    // A private module's namespace is its organization's name (TFE).
    if (given !== undefined && given !== org.name) throw invalid('namespace', `Namespace must be the organization's name (${org.name}) for the private registry`);
    return org.name;
  };

  // ---- modules
  const createModule = async (req: Request, res: Response) => {
    const found = await orgFor(req, 'organization:manage-modules');
    if (!found) return sendNotFound(res);
    const a = parseBody(req, moduleBody).data.attributes;
    if (a['vcs-repo'] !== undefined && a['vcs-repo'] !== null) throw invalid('vcs-repo', 'VCS-connected modules are not simulated: publish with versions and uploads (registry_api)');
    checkRegistryName(a['registry-name']);
    const name = checkModuleName(a.name);
    const provider = checkModuleProvider(a.provider);
    const namespace = namespaceOf(found.org, a.namespace);
    const record = await createModuleOf(ctx.tfe, found.org, { name, provider, namespace, noCode: a['no-code'] ?? false });
    sendDocument(res, 201, { data: await moduleResource(record, found.org, true) });
  };

  const readModule = async (req: Request, res: Response) => {
    const found = await orgFor(req, 'organization:read');
    if (!found) return sendNotFound(res);
    const m = await findModule(found.org, (req.params.namespace as string | undefined) ?? found.org.name, req.params.name as string, req.params.provider as string);
    if (!m) return sendNotFound(res);
    sendDocument(res, 200, { data: await moduleResource(m, found.org, authorize(found.facts, 'organization:manage-modules')) });
  };

  const createVersion = async (req: Request, res: Response) => {
    const found = await orgFor(req, 'organization:manage-modules');
    if (!found) return sendNotFound(res);
    const m = await findModule(found.org, (req.params.namespace as string | undefined) ?? found.org.name, req.params.name as string, req.params.provider as string);
    if (!m) return sendNotFound(res);
    const version = checkVersion(parseBody(req, versionBody).data.attributes.version);
    const record = await createVersionOf(ctx.tfe, m, version);
    sendDocument(res, 201, { data: versionResource(record, m, capabilityUrl(ctx, req, res, 'module-upload', record.id)) });
  };

  /** Deletes every provider of a module name, one provider, or one version of it. */
  const deleteModule = async (req: Request, res: Response) => {
    const found = await orgFor(req, 'organization:manage-modules');
    if (!found) return sendNotFound(res);
    const namespace = (req.params.namespace as string | undefined) ?? found.org.name;
    const { name, provider, version } = req.params as { name: string; provider?: string; version?: string };
    const targets = provider === undefined ? await modulesNamed(found.org, namespace, name) : [await findModule(found.org, namespace, name, provider)].filter((m): m is Mod => m !== undefined);
    if (!targets.length) return sendNotFound(res);
    if (version !== undefined) {
      const v = (await ctx.store.resources.listAll<ModuleVersionAttributes>(MODULE_VERSION_TYPE, { parentId: targets[0]!.id })).find((x) => x.attributes.version === version);
      if (!v) return sendNotFound(res);
      await deleteModuleVersion(ctx.tfe, v);
    } else {
      await deleteModules(ctx.tfe, targets);
    }
    res.status(204).end();
  };

  router.get('/organizations/:org/registry-modules', async (req, res) => {
    const found = await orgFor(req, 'organization:read');
    if (!found) return sendNotFound(res);
    const page = readPage(req);
    const result = await ctx.store.resources.list<ModuleAttributes>(MODULE_TYPE, { organizationId: found.org.id }, page);
    const may = authorize(found.facts, 'organization:manage-modules');
    sendDocument(res, 200, { data: await Promise.all(result.items.map((m) => moduleResource(m, found.org, may))), meta: paginationMeta(page, result.total) });
  });
  router.post('/organizations/:org/registry-modules', createModule);
  // go-tfe 0.11.1 creates API-published modules here too; the older /registry-modules (VCS) is not simulated.
  router.get('/organizations/:org/registry-modules/:registry/:namespace/:name/:provider', (req, res) => (checkRegistryName(req.params.registry, 'registry-name'), readModule(req, res)));
  router.post('/organizations/:org/registry-modules/:registry/:namespace/:name/:provider/versions', (req, res) => (checkRegistryName(req.params.registry, 'registry-name'), createVersion(req, res)));
  router.delete('/organizations/:org/registry-modules/:registry/:namespace/:name', (req, res) => (checkRegistryName(req.params.registry, 'registry-name'), deleteModule(req, res)));
  router.delete('/organizations/:org/registry-modules/:registry/:namespace/:name/:provider', (req, res) => (checkRegistryName(req.params.registry, 'registry-name'), deleteModule(req, res)));
  router.delete('/organizations/:org/registry-modules/:registry/:namespace/:name/:provider/:version', (req, res) => (checkRegistryName(req.params.registry, 'registry-name'), deleteModule(req, res)));
  router.get('/registry-modules/show/:org/:name/:provider', readModule);
  router.post('/registry-modules/actions/delete/:org/:name', deleteModule);
  router.post('/registry-modules/actions/delete/:org/:name/:provider', deleteModule);
  router.post('/registry-modules/actions/delete/:org/:name/:provider/:version', deleteModule);
  router.post('/registry-modules/:org/:name/:provider/versions', createVersion);

  // ---- providers
  const providerResource = (p: Prov, org: OrganizationRecord, mayManage: boolean) => ({
    id: p.id,
    type: PROVIDER_TYPE,
    attributes: { name: p.attributes.name, namespace: p.attributes.namespace, 'registry-name': p.attributes.registryName, 'created-at': iso(p.createdAt), 'updated-at': iso(p.updatedAt), permissions: { 'can-delete': mayManage } },
    relationships: { organization: { data: { id: org.name, type: 'organizations' } }, versions: { data: [] } },
    links: { self: `/api/v2/organizations/${org.name}/registry-providers/private/${p.attributes.namespace}/${p.attributes.name}` },
  });
  const findProvider = (org: OrganizationRecord, namespace: string, name: string) =>
    ctx.store.resources.listAll<ProviderAttributes>(PROVIDER_TYPE, { organizationId: org.id }).then((all) => all.find((p) => p.uniqueKey === providerKey(org.id, namespace, name)));

  router.get('/organizations/:org/registry-providers', async (req, res) => {
    const found = await orgFor(req, 'organization:read');
    if (!found) return sendNotFound(res);
    const page = readPage(req);
    const result = await ctx.store.resources.list<ProviderAttributes>(PROVIDER_TYPE, { organizationId: found.org.id }, page);
    const may = authorize(found.facts, 'organization:manage-providers');
    sendDocument(res, 200, { data: result.items.map((p) => providerResource(p, found.org, may)), meta: paginationMeta(page, result.total) });
  });
  router.post('/organizations/:org/registry-providers', async (req, res) => {
    const found = await orgFor(req, 'organization:manage-providers');
    if (!found) return sendNotFound(res);
    const a = parseBody(req, providerBody).data.attributes;
    checkRegistryName(a['registry-name']);
    const name = checkProviderName(a.name);
    const namespace = namespaceOf(found.org, a.namespace);
    const record = await createProvider(ctx.tfe, found.org, { name, namespace });
    sendDocument(res, 201, { data: providerResource(record, found.org, true) });
  });
  router.get('/organizations/:org/registry-providers/:registry/:namespace/:name', async (req, res) => {
    checkRegistryName(req.params.registry, 'registry-name');
    const found = await orgFor(req, 'organization:read');
    const p = found && (await findProvider(found.org, req.params.namespace, req.params.name));
    if (!found || !p) return sendNotFound(res);
    sendDocument(res, 200, { data: providerResource(p, found.org, authorize(found.facts, 'organization:manage-providers')) });
  });
  router.delete('/organizations/:org/registry-providers/:registry/:namespace/:name', async (req, res) => {
    checkRegistryName(req.params.registry, 'registry-name');
    const found = await orgFor(req, 'organization:manage-providers');
    const p = found && (await findProvider(found.org, req.params.namespace, req.params.name));
    if (!found || !p) return sendNotFound(res);
    await deleteProvider(ctx.tfe, p);
    res.status(204).end();
  });
}

/** PUT <links.upload>: the version's tarball (gzip). The signed URL is the permission. */
export function moduleUploadHandler(ctx: GatewayContext) {
  return async (req: Request, res: Response, token: string) => {
    const id = await useCapability(ctx, res, token, 'module-upload');
    if (!id) return;
    const v = await ctx.store.resources.get<ModuleVersionAttributes>(MODULE_VERSION_TYPE, id);
    if (!v) return sendNotFound(res);
    const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    await uploadModuleVersion(ctx, v, bytes);
    res.status(200).end();
  };
}
