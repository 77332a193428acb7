/** The resources section's store contract against both stores: memory and SQLite on a real file (migration 4, foreign keys). */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { createMemoryStore } from '../../src/store/memory.ts';
import { createSqliteStore } from '../../src/store/sqlite/index.ts';
import { resourcesContract } from './resources-contract.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'samlgate-sqlite-resources-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

resourcesContract('memory', async () => createMemoryStore());
resourcesContract('sqlite', async () => createSqliteStore(path.join(dir, `gateway-${++n}.db`)));
