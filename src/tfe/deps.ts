/** What the TFE domain functions depend on: storage, the injected clock and id generator, and a secret minter. */
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { IdGenerator } from '../ids.ts';
import type { Store } from '../store/types.ts';

export interface MintedSecret {
  secret: string;
  hash: string;
}

export interface TfeDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  /** A new API token secret and its stored hash (the gateway's token format, T5). */
  mintSecret(): MintedSecret;
}

/** TFE-shaped ids: `<prefix>-<16 alphanumerics>`. */
export const newId = (ids: IdGenerator, prefix: string) => `${prefix}-${ids.random(16)}`;

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A stable `<prefix>-<16 alphanumerics>` derived from `seed` (the same seed always names the same id). */
export function derivedId(prefix: string, seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  let id = '';
  for (let i = 0; i < 16; i++) id += BASE62[digest[i]! % 62];
  return `${prefix}-${id}`;
}
