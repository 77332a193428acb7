/** The workspaces section's store contract against the memory store. */
import { createMemoryStore } from '../../src/store/memory.ts';
import { workspacesContract } from './workspaces-contract.ts';

workspacesContract('memory', async () => createMemoryStore());
