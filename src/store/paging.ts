/**
 * Paging shapes shared by every section of the storage interface (types.ts re-exports them).
 * Their own module so that types-workspaces.ts, which types.ts re-exports, need not import
 * types.ts back (test/structure.test.ts: no import cycles).
 */

export interface Page {
  /** 1-based page number (JSON:API page[number]). */
  number: number;
  /** Items per page (JSON:API page[size]); backends cap nothing, callers clamp to 1..100. */
  size: number;
}

export interface Paged<T> {
  items: T[];
  /** Total matching items across all pages. */
  total: number;
}
