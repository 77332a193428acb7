/**
 * Keeps the test IdP's run-time changes across restarts (DIR/idp.db): admin-API directory edits,
 * service providers registered or reconfigured through the admin API, and login sessions. The
 * IdP works on its in-memory directory, registry and sessions as before; this module replays the
 * IdP store over them at start-up, then writes every change through (the SQLite store writes
 * synchronously within the call, so a change is on disk before the response that made it).
 *
 * An edited user is stored whole and wins over the config for that user until the data directory
 * is reset; a removed user or SP is stored as a removal, so a config entry stays removed.
 */
import type { Clock } from '../clock.ts';
import type { FaultName } from '../config.ts';
import type { Logger } from '../log.ts';
import type { IdpStore } from '../store/idp-types.ts';
import type { IdpUser, NextFaults, UserDirectory } from './directory.ts';
import { attributeNameProblem } from '../saml/attribute-name-rule.ts';
import { spFromMetadata, type ServiceProviderRegistry } from './service-providers.ts';
import type { IdpSession, IdpSessions, SessionParticipant } from './sessions.ts';
import type { SpSettingsInput } from '../config.ts';

type StoredUser = { removed: true } | { removed?: false; username: string; email: string; displayName: string; password: string | null; attributes: IdpUser['attributes']; faults: FaultName[]; nextFaults: NextFaults | null };
type StoredSp = { removed: true } | { removed?: false; source: 'api'; metadataXml: string; settingsInput: SpSettingsInput } | { removed?: false; source: 'gateway' | 'config'; settingsInput: SpSettingsInput };
type StoredSession = { username: string; authnInstant: number; sessionIndex: string; participants: SessionParticipant[] };

export interface PersistedIdp {
  directory: UserDirectory;
  serviceProviders: ServiceProviderRegistry;
  sessions: IdpSessions;
}

/**
 * A user's saved attributes without names the attribute-name rule refuses: saved before the rule
 * was tightened, such a name would break every login of the user (E_XML), and the admin API
 * could not even name it to remove it. Dropped with a warning instead.
 */
function restorableAttributes(doc: { username: string; attributes: IdpUser['attributes'] }, logger: Logger): IdpUser['attributes'] {
  const out = Object.create(null) as IdpUser['attributes'];
  for (const [name, value] of Object.entries(doc.attributes ?? {})) {
    const problem = attributeNameProblem(name);
    if (problem) logger.warn({ event: 'idp.user.attribute-dropped', username: doc.username }, `user ${doc.username}: saved ${problem}; the attribute was dropped`);
    else out[name] = value;
  }
  return out;
}

/** Replays the store over the IdP's state, then attaches write-through observers. */
export async function attachIdpStore(idp: PersistedIdp, store: IdpStore, clock: Clock, logger: Logger): Promise<void> {
  const { directory, serviceProviders, sessions } = idp;
  for (const { key, doc } of (await store.users.all()) as Array<{ key: string; doc: StoredUser }>) {
    if (doc.removed) {
      directory.remove(key);
      continue;
    }
    directory.upsert({ username: doc.username, email: doc.email, displayName: doc.displayName, ...(doc.password !== null ? { password: doc.password } : {}), attributes: restorableAttributes(doc, logger), faults: doc.faults });
    if (doc.nextFaults) directory.update(doc.username, { nextFaults: doc.nextFaults });
  }
  for (const { key, doc } of (await store.serviceProviders.all()) as Array<{ key: string; doc: StoredSp }>) {
    try {
      if (doc.removed) serviceProviders.remove(key);
      else if (doc.source === 'api') serviceProviders.register(spFromMetadata(doc.metadataXml, doc.settingsInput, 'api'));
      else if (serviceProviders.get(key)) serviceProviders.updateSettings(key, doc.settingsInput);
    } catch (err) {
      // Metadata that parsed once but no longer does (e.g. an expired certificate): keep going.
      logger.warn({ event: 'idp.sp.restore-failed', entityId: key, reason: (err as Error).message }, `cannot restore service provider ${key}: ${(err as Error).message}`);
    }
  }
  const now = clock.now();
  await store.sessions.purgeExpired(now);
  for (const { key, doc, expiresAt } of (await store.sessions.live(now)) as Array<{ key: string; doc: StoredSession; expiresAt: number }>) {
    sessions.restore({ id: key, username: doc.username, authnInstant: doc.authnInstant, sessionIndex: doc.sessionIndex, expiresAt, participants: new Map(doc.participants.map((p) => [p.entityId, p])) });
  }

  const failed = (what: string) => (err: unknown) => logger.error({ event: 'idp.store.write-failed', what, reason: (err as Error).message }, `could not save ${what} to the IdP store: ${(err as Error).message}`);
  directory.observer = {
    changed: (u) => {
      const doc: StoredUser = { username: u.username, email: u.email, displayName: u.displayName, password: u.password, attributes: { ...u.attributes }, faults: [...u.faults], nextFaults: u.nextFaults };
      store.users.put(u.username, doc).catch(failed(`user ${u.username}`));
    },
    removed: (username) => void store.users.put(username, { removed: true } satisfies StoredUser).catch(failed(`the removal of ${username}`)),
  };
  const spDoc = (sp: { source: 'gateway' | 'config' | 'api'; metadataXml?: string; settingsInput: SpSettingsInput }): StoredSp =>
    sp.source === 'api' && sp.metadataXml ? { source: 'api', metadataXml: sp.metadataXml, settingsInput: sp.settingsInput } : { source: sp.source === 'api' ? 'config' : sp.source, settingsInput: sp.settingsInput };
  serviceProviders.observer = {
    // Config SPs come from the config at every start; only API registrations need keeping.
    registered: (sp) => void (sp.source === 'api' ? store.serviceProviders.put(sp.entityId, spDoc(sp)).catch(failed(`service provider ${sp.entityId}`)) : undefined),
    settingsChanged: (sp) => void store.serviceProviders.put(sp.entityId, spDoc(sp)).catch(failed(`service provider ${sp.entityId}`)),
    removed: (entityId) => void store.serviceProviders.put(entityId, { removed: true } satisfies StoredSp).catch(failed(`the removal of ${entityId}`)),
  };
  sessions.observer = {
    saved: (s: IdpSession) => {
      const doc: StoredSession = { username: s.username, authnInstant: s.authnInstant, sessionIndex: s.sessionIndex, participants: [...s.participants.values()] };
      store.sessions.put(s.id, doc, s.expiresAt).catch(failed('a login session'));
    },
    destroyed: (id) => void store.sessions.delete(id).catch(failed('the end of a login session')),
  };
}
