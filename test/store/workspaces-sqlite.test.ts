/** The workspaces section's store contract against the SQLite store, on a real file (migration 2, foreign keys, cascades). */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';
import { workspacesContract } from './workspaces-contract.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'samlgate-sqlite-workspaces-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

workspacesContract('sqlite', async () => createSqliteStore(path.join(dir, `gateway-${++n}.db`)));
