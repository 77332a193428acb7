/** The IdP store contract against the in-memory IdP store. */
import { createMemoryIdpStore } from '../../src/store/idp-memory.ts';
import { idpStoreContract } from './idp-contract.ts';

idpStoreContract('memory', async () => createMemoryIdpStore());
