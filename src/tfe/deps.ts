/** What the TFE domain functions depend on: storage, the injected clock and id generator, and a secret minter. */
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
