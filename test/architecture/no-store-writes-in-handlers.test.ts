/**
 * Handlers never write to the store directly (issue 14): src/api, src/pages, src/sp and
 * src/gateway parse, authorize, call a domain function (src/tfe/) and serialize. A write made in
 * a handler skips the family's rules (uniqueness, cascades, what a revoke means), and a second
 * handler writing the same thing grows a second copy of them. The few exceptions are listed
 * below, each with its reason; an entry that no longer matches anything fails too, so the list
 * cannot rot into a blanket pass.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SCANNED = ['src/api', 'src/pages', 'src/sp', 'src/gateway'];

// Every mutating method of the Store interfaces (src/store/types*.ts) starts with one of these.
const VERBS = 'create|update|delete|remove|set|revoke|add|put|insert|upsert|save|touch|record|lock|unlock|purge|replace|claim|destroy|enqueue|mark|promote|transition|activate|accept|sync|change';
// `store.<member>.<write>(`, with an optional type argument and whitespace or line breaks between the parts.
const WRITE = new RegExp(String.raw`\bstore\s*\.\s*(\w+)\s*\.\s*((?:${VERBS})\w*)\s*(?:<[^()]*?>)?\s*\(`, 'g');

// A section taken out of the store (`const r = ctx.store.resources;`, `f(ctx.store.tokens)`) would
// hide its writes from WRITE; `store` itself may be passed (domain functions take it).
const ALIAS = /\bstore\s*\.\s*(\w+)\s*(?=[;,)\]}]|$)/gm;

interface Allowed {
  file: string;
  /** `<store member>.<method>` */
  call: string;
  why: string;
}

const ALLOWED: Allowed[] = [
  { file: 'src/gateway/session-store.ts', call: 'sessions.purgeExpired', why: 'it IS the web-session store adapter (express-session Store over store.sessions)' },
  { file: 'src/gateway/session-store.ts', call: 'sessions.set', why: 'it IS the web-session store adapter (express-session Store over store.sessions)' },
  { file: 'src/gateway/session-store.ts', call: 'sessions.destroy', why: 'it IS the web-session store adapter (express-session Store over store.sessions)' },
  { file: 'src/sp/slo.ts', call: 'replay.claim', why: 'the SAML replay cache: the one-time claim is the security check itself (SAML core 1.3.4), not TFE data' },
  { file: 'src/sp/sp-routes.ts', call: 'replay.claim', why: 'the SAML replay cache: the one-time claim is the security check itself (SAML core 1.3.4), not TFE data' },
];

/** Sections handed over whole, `call` being the section's name. */
const ALLOWED_ALIASES: Allowed[] = [
  { file: 'src/sp/sp-routes.ts', call: 'replay', why: 'the SAML verifier gets the replay cache for its one-time assertion-ID claim (SAML core 1.3.4)' },
  { file: 'src/gateway/app.ts', call: 'settings', why: 'the assembly wires the SAML settings service (src/tfe/saml-settings.ts, the domain) to its store section' },
];

export interface Write {
  file: string;
  line: number;
  call: string;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(full);
    return e.isFile() && e.name.endsWith('.ts') ? [full] : [];
  });
}

/** Comments are blanked (keeping line breaks) so a comment mentioning a write is not one. */
const stripComments = (source: string) =>
  source
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    // `//` after `:` or a quote is a URL or a string, not a comment.
    .replace(/(^|[^:'"`])\/\/.*$/gm, (m, lead: string) => lead + ' '.repeat(m.length - lead.length));

export function storeWrites(file: string, source: string): Write[] {
  const code = stripComments(source);
  return [...code.matchAll(WRITE)].map((m) => ({ file, line: code.slice(0, m.index).split('\n').length, call: `${m[1]}.${m[2]}` }));
}

export function storeAliases(file: string, source: string): Write[] {
  const code = stripComments(source);
  return [...code.matchAll(ALIAS)].map((m) => ({ file, line: code.slice(0, m.index).split('\n').length, call: m[1]! }));
}

const sources = () => SCANNED.flatMap((dir) => tsFiles(path.join(ROOT, dir))).map((full) => ({ file: path.relative(ROOT, full).split(path.sep).join('/'), source: readFileSync(full, 'utf8') }));

function allWrites(): Write[] {
  return sources().flatMap(({ file, source }) => storeWrites(file, source));
}

const isAllowed = (w: Write) => ALLOWED.some((a) => a.file === w.file && a.call === w.call);

describe('no store writes in handlers', () => {
  it('the scanner sees a write however it is spelled (type argument, line breaks) and ignores comments and reads', () => {
    const src = [
      'await ctx.store.resources.create(record);',
      'await ctx.store.resources.update<A>(T, id, {});',
      'await ctx.tfe.store',
      '  .variables.delete(id);',
      '// ctx.store.tokens.delete(id) in a comment',
      'await ctx.store.resources.get(T, id);',
      'const all = await store.workspaces.listAll({});',
    ].join('\n');
    assert.deepEqual(storeWrites('x.ts', src), [
      { file: 'x.ts', line: 1, call: 'resources.create' },
      { file: 'x.ts', line: 2, call: 'resources.update' },
      { file: 'x.ts', line: 3, call: 'variables.delete' },
    ]);
  });

  it('src/api, src/pages, src/sp and src/gateway write to the store only through domain functions (src/tfe/)', () => {
    const offending = allWrites().filter((w) => !isAllowed(w));
    assert.deepEqual(
      offending.map((w) => `${w.file}:${w.line} store.${w.call}(...)`),
      [],
      'move each of these writes into a domain function in src/tfe/<family>.ts and call that from the handler',
    );
  });

  it('no handler takes a store section aside (an alias would hide its writes from this scan)', () => {
    assert.deepEqual(storeAliases('x.ts', 'const r = ctx.store.resources;\nf(ctx.store.tokens, 1);\nawait ctx.store.resources.get(T, id);\ng(ctx.store);'), [
      { file: 'x.ts', line: 1, call: 'resources' },
      { file: 'x.ts', line: 2, call: 'tokens' },
    ]);
    const all = sources().flatMap(({ file, source }) => storeAliases(file, source));
    for (const a of ALLOWED_ALIASES) assert.ok(all.some((w) => w.file === a.file && w.call === a.call), `${a.file} no longer hands over store.${a.call}: drop its allowlist entry`);
    const aliases = all.filter((w) => !ALLOWED_ALIASES.some((a) => a.file === w.file && a.call === w.call));
    assert.deepEqual(aliases.map((a) => `${a.file}:${a.line} store.${a.call}`), [], 'call the store section in place, or better a domain function');
  });

  it('every allowlist entry still matches a write and says why', () => {
    const writes = allWrites();
    for (const a of ALLOWED) {
      assert.ok(a.why.length > 10, `${a.file} ${a.call}: give the reason`);
      assert.ok(writes.some((w) => w.file === a.file && w.call === a.call), `${a.file} no longer calls store.${a.call}: drop its allowlist entry`);
    }
  });
});
