/** The store contract against the in-memory store (`--data :memory:`). */
import { createMemoryStore } from '../../src/store/memory.ts';
import { storeContract } from './contract.ts';

storeContract('memory', { create: async () => createMemoryStore() });
