/**
 * The test IdP's own durable state (DIR/idp.db), separate from the gateway's so each half runs
 * alone: the directory edits made through the admin API, the service providers registered
 * through it (with their settings), and the IdP's login sessions. The IdP keeps its working
 * copies in memory (its hot paths are synchronous) and writes every change through to this
 * store; at start-up it replays what the store holds on top of the config.
 *
 * Documents are plain JSON values owned by src/idp/ (the store does not interpret them), so the
 * IdP's record shapes can evolve without a migration here.
 */
import type { SettingsStore } from './types.ts';

export interface DocumentCollection<T> {
  /** Every document, in key order. */
  all(): Promise<Array<{ key: string; doc: T }>>;
  get(key: string): Promise<T | undefined>;
  /** Insert or replace, atomically. */
  put(key: string, doc: T): Promise<void>;
  delete(key: string): Promise<boolean>;
}

export interface ExpiringCollection<T> {
  /** Documents whose expiresAt is after `now`, in key order. */
  live(now: number): Promise<Array<{ key: string; doc: T; expiresAt: number }>>;
  put(key: string, doc: T, expiresAt: number): Promise<void>;
  delete(key: string): Promise<boolean>;
  purgeExpired(now: number): Promise<number>;
}

export interface IdpStore {
  /** 'memory' | 'sqlite' */
  readonly kind: string;
  /** Directory changes keyed by username (a deletion is a document too, so config users stay deleted). */
  users: DocumentCollection<unknown>;
  /** Service providers registered or reconfigured at run time, keyed by entity ID. */
  serviceProviders: DocumentCollection<unknown>;
  /** IdP login sessions keyed by their (secret) cookie id. */
  sessions: ExpiringCollection<unknown>;
  /** Small named values (the manual clock's offset when only the IdP runs). */
  settings: SettingsStore;
  close(): Promise<void>;
}
