#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm install` via the prepare script); in a source
// checkout without a build it falls back to running the TypeScript through tsx. A dist/ older
// than src/ would run stale code without a word: then src/ runs through tsx when tsx is
// installed (a dev checkout), and otherwise dist/ runs with a warning. Only a source checkout
// (a .git entry at the root) is checked: an installed package's src/ is not edited, and the
// walk of src/ then costs nothing.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const compiled = path.join(root, 'dist', 'cli.js');
const sources = path.join(root, 'src');
const checkout = existsSync(path.join(root, '.git'));

/**
 * Whether anything under `dir` changed after `since` (ms). Directories count too: deleting or
 * renaming a file changes only its directory's mtime. Stops at the first newer entry; a full
 * walk of src/ (about 200 entries) costs 2-9 ms (docs/cli.md, "Stale dist/").
 */
function changedSince(dir, since) {
  if (statSync(dir).mtimeMs > since) return true;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() ? changedSince(full, since) : statSync(full).mtimeMs > since) return true;
  }
  return false;
}

/** tsx, or null when it is not installed (a production install has no devDependencies). */
async function loadTsx() {
  try {
    return await import('tsx/esm/api');
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND') return null;
    throw err;
  }
}

async function runSources(tsx) {
  tsx.register();
  await import('../src/cli.ts');
}

if (!existsSync(compiled)) {
  await runSources(await import('tsx/esm/api'));
} else if (checkout && existsSync(sources) && changedSince(sources, statSync(compiled).mtimeMs)) {
  const tsx = await loadTsx();
  if (tsx) {
    process.stderr.write('samlgate: dist/ is older than src/: running src/ with tsx; run npm run build\n');
    await runSources(tsx);
  } else {
    process.stderr.write('samlgate: dist/ is older than src/ and tsx is not installed: running the stale dist/; run npm run build\n');
    await import(compiled);
  }
} else {
  await import(compiled);
}
