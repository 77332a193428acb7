/**
 * One SQLite table whose rows are a JSON `record` plus the few real columns the store filters,
 * orders or keeps unique on (migrations-workspaces.ts). The sections keep their own rules
 * (transactions, queues, compare-and-set); this holds what every such table does the same way:
 * read a record, page through a workspace's records, insert and rewrite a record with its columns.
 *
 * Every constraint failure on a write (a taken unique key, or a parent row that does not exist:
 * SQLITE_CONSTRAINT_FOREIGNKEY) is a StoreConflictError with the section's message, so a missing
 * workspace is never a driver error that would surface as a 500.
 */
import { StoreConflictError, type Page, type Paged } from '../types.ts';
import { limitOffset, type SqliteContext } from './common.ts';

export interface RecordTableSpec<T> {
  table: string;
  /** The real columns written beside `id` and `record`, taken from the record. */
  columns: (r: T) => Record<string, unknown>;
  /** Which of those columns a rewrite may change (the rest are fixed at insert). */
  mutable?: readonly string[];
}

const isConstraint = (err: unknown) => String((err as { code?: string }).code ?? '').startsWith('SQLITE_CONSTRAINT');

/** Runs a write, turning any constraint failure into a StoreConflictError with `message`. */
export function conflictAs<T>(message: () => string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isConstraint(err)) throw new StoreConflictError(message());
    throw err;
  }
}

export class RecordTable<T extends { id: string }> {
  private readonly statements = new Map<string, ReturnType<SqliteContext['db']['prepare']>>();

  constructor(
    private readonly c: SqliteContext,
    private readonly spec: RecordTableSpec<T>,
  ) {}

  private stmt(sql: string) {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.c.db.prepare(sql)));
    return s;
  }

  private parse = (row: { record: string } | undefined): T | undefined => row && (JSON.parse(row.record) as T);

  /** The record whose `column` (default id; a UNIQUE column) equals `value`. */
  get(value: string, column = 'id'): T | undefined {
    return this.parse(this.stmt(`SELECT record FROM ${this.spec.table} WHERE ${column} = ?`).get(value) as { record: string } | undefined);
  }

  /** A page of the records matching `where` (named parameters), in `orderBy` order, and the total. */
  page(where: string, params: Record<string, unknown>, orderBy: string, page: Page): Paged<T> {
    const { table } = this.spec;
    const rows = this.stmt(`SELECT record FROM ${table} WHERE ${where} ORDER BY ${orderBy} LIMIT @limit OFFSET @offset`).all({ ...params, ...limitOffset(page) }) as { record: string }[];
    const total = (this.stmt(`SELECT count(*) AS n FROM ${table} WHERE ${where}`).get(params) as { n: number }).n;
    return { items: rows.map((r) => this.parse(r)!), total };
  }

  /** Every record matching `where`, in `orderBy` order. */
  all(where: string, params: Record<string, unknown>, orderBy: string): T[] {
    return (this.stmt(`SELECT record FROM ${this.spec.table} WHERE ${where} ORDER BY ${orderBy}`).all(params) as { record: string }[]).map((r) => this.parse(r)!);
  }

  /** Inserts `r` (and `extra` columns, e.g. a blob); a constraint failure is a conflict named by `conflict`. */
  insert(r: T, conflict: () => string, extra: Record<string, unknown> = {}): void {
    const values = { id: r.id, ...this.spec.columns(r), ...extra, record: JSON.stringify(r) };
    const names = Object.keys(values);
    const sql = `INSERT INTO ${this.spec.table} (${names.join(', ')}) VALUES (${names.map((n) => `@${n}`).join(', ')})`;
    conflictAs(conflict, () => this.stmt(sql).run(values));
  }

  /** Rewrites the stored record `r.id` whole, with its mutable columns and `extra` ones. */
  write(r: T, conflict: () => string, extra: Record<string, unknown> = {}): void {
    const cols = this.spec.columns(r);
    const set: Record<string, unknown> = { ...Object.fromEntries((this.spec.mutable ?? []).map((k) => [k, cols[k]])), ...extra, record: JSON.stringify(r) };
    const sql = `UPDATE ${this.spec.table} SET ${Object.keys(set).map((n) => `${n} = @${n}`).join(', ')} WHERE id = @id`;
    conflictAs(conflict, () => this.stmt(sql).run({ ...set, id: r.id }));
  }

  delete(id: string): boolean {
    return this.stmt(`DELETE FROM ${this.spec.table} WHERE id = ?`).run(id).changes > 0;
  }
}
