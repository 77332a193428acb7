/**
 * The memory store hands out copies only: a caller that changes what it read must not change the
 * stored record, as with SQLite, whose every read is a fresh row (the contract tests hold both
 * stores to the same behaviour).
 */
export const clone = <T>(v: T): T => structuredClone(v);

/** The copy of the record at `key`, or undefined. */
export function copyOut<K, T>(map: ReadonlyMap<K, T>, key: K, copy: (t: T) => T): T | undefined {
  const v = map.get(key);
  return v === undefined ? undefined : copy(v);
}
