/** What every section of the SQLite store shares: the handle, its file name, error mapping, paging. */
import type { Page, Paged } from '../types.ts';
import { mapSqliteError, type Db } from './database.ts';

export interface SqliteContext {
  db: Db;
  /** For error messages. */
  file: string;
}

/** Runs one synchronous database step, turning driver errors into the store's typed errors. */
export function call<T>(c: SqliteContext, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw mapSqliteError(err, c.file);
  }
}

export const bool = (v: number | bigint | null | undefined): boolean => v === 1 || v === 1n;
export const int = (b: boolean): number => (b ? 1 : 0);

export function limitOffset(page: Page): { limit: number; offset: number } {
  return { limit: page.size, offset: (page.number - 1) * page.size };
}

/** A page of rows plus the total, from one statement that returns `count(*) OVER ()` as `total_`. */
export function pagedRows<R extends { total_: number }, T>(rows: R[], map: (r: R) => T, countIfEmpty: () => number): Paged<T> {
  // When the page is past the end there are no rows to carry the total: count separately.
  const total = rows.length > 0 ? rows[0]!.total_ : countIfEmpty();
  return { items: rows.map(map), total };
}

/** SQLite's lower() only folds ASCII; the stores compare with JS toLowerCase on both sides. */
export const lc = (s: string): string => s.toLowerCase();

/** Escapes a user's substring for LIKE ... ESCAPE '\'. */
export function likeContains(q: string): string {
  return `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}
