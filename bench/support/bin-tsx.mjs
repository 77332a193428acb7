// What bin/samlgate.js does when dist/ is missing: run the TypeScript CLI through tsx.
// (bin/ itself prefers dist/ whenever it exists, so the startup benchmark uses this shim to time
// the tsx path without touching dist/.)
const { register } = await import('tsx/esm/api');
register();
await import('../../src/cli.ts');
