/** The IdP store contract against SQLite (idp.db), including a close-and-reopen round trip. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { createSqliteIdpStore } from '../../src/store/sqlite/idp.ts';
import { idpStoreContract } from './idp-contract.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'samlgate-idp-contract-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

idpStoreContract(
  'sqlite',
  async () => createSqliteIdpStore(path.join(dir, `idp-${++n}.db`)),
  async (store) => {
    const file = (store as ReturnType<typeof createSqliteIdpStore>).file;
    await store.close();
    return createSqliteIdpStore(file);
  },
);
