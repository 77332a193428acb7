/**
 * The shape of one schema migration (migrations.ts lists them and re-exports this type). Its own
 * module so that a section's migration file (migrations-workspaces.ts), which migrations.ts
 * imports, need not import migrations.ts back (test/structure.test.ts: no import cycles).
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}
