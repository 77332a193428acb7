/** The store contract against the SQLite store, on a real file (WAL, foreign keys, migrations). */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';
import { storeContract } from './contract.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'samlgate-sqlite-contract-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

storeContract('sqlite', { create: async () => createSqliteStore(path.join(dir, `gateway-${++n}.db`)) });
