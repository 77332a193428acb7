/**
 * A bounded least-recently-used map whose entries also expire on an injected clock. Every
 * operation is O(1): a JS Map keeps insertion order, so "move to most recent" is delete + set and
 * the least recently used entry is always the first key. An insert into a full map evicts from
 * the front only (expired entries first, as they come; then the least recently used live one).
 *
 * It replaces a map that swept every entry on each insert once full: with 100k IdP sessions,
 * `/sso` fell from ~430 to ~87 req/s (issue 9). `work` counts entries touched, so a test can show
 * the cost of an insert does not grow with the size of the map without timing anything.
 *
 * Written rather than taken from npm (lru-cache): ~60 lines, our Clock instead of
 * performance.now(), and the work counter the regression test needs.
 */
import type { Clock } from '../clock.ts';

interface Entry<V> {
  value: V;
  expiresAt: number;
}

export class LruTtlMap<V> {
  private readonly entries = new Map<string, Entry<V>>();
  /** Entries examined or moved since construction (for the O(1) regression test). */
  work = 0;

  constructor(
    private readonly clock: Clock,
    readonly maxEntries: number,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError('maxEntries must be a positive integer');
  }

  /** Live value, refreshed as most recently used; an expired entry is dropped and not returned. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    this.work++;
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock.now()) {
      this.entries.delete(key);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Like get, without refreshing recency. */
  peek(key: string): V | undefined {
    const entry = this.entries.get(key);
    this.work++;
    if (!entry || entry.expiresAt <= this.clock.now()) return undefined;
    return entry.value;
  }

  set(key: string, value: V, expiresAt: number): void {
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      // The front is the least recently used entry: expired or not, it is the one to go.
      this.entries.delete(this.entries.keys().next().value!);
      this.work++;
    }
    this.entries.set(key, { value, expiresAt });
    this.work++;
  }

  delete(key: string): boolean {
    this.work++;
    return this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Live values, least recently used first (O(n): for admin pages, never on a hot path). */
  values(): V[] {
    const now = this.clock.now();
    const out: V[] = [];
    for (const entry of this.entries.values()) if (entry.expiresAt > now) out.push(entry.value);
    return out;
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }
}
