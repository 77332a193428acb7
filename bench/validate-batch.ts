/**
 * validate-batch: `samlgate validate` on a folder. 200 captures (unique responses issued and
 * signed by our IdP's issuance code, written to files) go through runValidateFiles - the
 * command's own code path: read, decode, full report, JSON output - in ONE batch, against the
 * one-at-a-time baseline: runValidate per file with the XSD check as it was before batches,
 * xmllint-wasm's validateXML() (a fresh worker, WebAssembly compile and schema parse per
 * report), which is what `samlgate validate FILE` cost per capture.
 *
 * "Full report" as in bench/acs.ts: the verification core in findings mode, the TFE checks and
 * the XSD check; the samlify and xmlsec1 second opinions are off on both sides (samlify parses
 * every response again, ~25 ms each). The CLI default with them on is measured once and given as
 * a note, and so is one-at-a-time on the long-lived XSD worker (what the batch adds on top of it).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runValidate, runValidateFiles, type ValidateCliOptions, type ValidateIo } from '../src/validate/cli.ts';
import type { SchemaKind, SchemaResult } from '../src/validate/xsd.ts';
import { fmt, interleave, isMain, log, median, meets, parseOptions, report, targetText, type BenchOptions, type BenchResult } from './lib.ts';
import { config, issueOurs } from './saml-fixtures.ts';

/** The issue's target: a folder checked in seconds. */
const TARGET = { op: '>=' as const, value: 50 };
const CAPTURES = 200;

const SCHEMA_DIR = fileURLToPath(new URL('../schemas/', import.meta.url));
const SCHEMA_FILES = ['saml-schema-protocol-2.0.xsd', 'saml-schema-assertion-2.0.xsd', 'saml-schema-metadata-2.0.xsd', 'xenc-schema.xsd', 'xmldsig-core-schema.xsd', 'xml.xsd'];
const schemaFiles = SCHEMA_FILES.map((fileName) => ({ fileName, contents: readFileSync(SCHEMA_DIR + fileName, 'utf8') }));

/** src/validate/xsd.ts before batches: one validateXML() per document. */
async function xsdOneRunPerDocument(xml: string, which: SchemaKind): Promise<SchemaResult> {
  const { validateXML } = await import('xmllint-wasm');
  const entry = schemaFiles.find((f) => f.fileName === (which === 'protocol' ? 'saml-schema-protocol-2.0.xsd' : 'saml-schema-metadata-2.0.xsd'))!;
  const result = await validateXML({ xml: [{ fileName: 'document.xml', contents: xml }], schema: [entry], preload: schemaFiles.filter((f) => f !== entry) });
  return { valid: result.valid, errors: result.errors.map((e) => `${e.loc ? `line ${e.loc.lineNumber}: ` : ''}${e.message.replace(/^Schemas validity error : /, '')}`) };
}

export async function run(o: BenchOptions): Promise<BenchResult[]> {
  const rounds = o.quick ? 2 : 3;
  const alone = o.quick ? 8 : 20;
  const dir = mkdtempSync(path.join(tmpdir(), 'samlgate-bench-validate-'));
  try {
    const issuedAt = Date.now();
    const files: string[] = [];
    for (let i = 0; i < CAPTURES; i++) {
      const file = path.join(dir, `capture-${String(i).padStart(3, '0')}.xml`);
      writeFileSync(file, issueOurs(issuedAt).xml);
      files.push(file);
    }
    const opts: ValidateCliOptions = { format: 'json', idpCert: config.idp.signingCert, at: new Date(issuedAt + 1_000).toISOString() };
    const io = (extra: Partial<ValidateIo> = {}): ValidateIo => ({ colour: false, now: issuedAt + 1_000, secondOpinions: false, ...extra });

    // Sanity: every report is clean, has run its XSD check, and the batch says the same as one file alone.
    const check = await runValidateFiles(files.slice(0, 3), opts, io());
    const reports = JSON.parse(check.stdout) as { ok: boolean; findings: { code: string }[] }[];
    if (check.code !== 0 || !reports.every((r) => r.ok)) throw new Error(`the captures are not clean: ${check.stdout.slice(0, 400)}`);
    const single = await runValidate(files[0]!, opts, io());
    const first = { ...(JSON.parse(check.stdout)[0] as Record<string, unknown>) };
    delete first.file;
    delete first.exitCode;
    if (JSON.stringify(first, null, 2) + '\n' !== single.stdout) throw new Error('the batch report of a file differs from its single-file report');
    const old = await runValidate(files[0]!, opts, io({ xsd: xsdOneRunPerDocument }));
    if (old.stdout !== single.stdout) throw new Error('the baseline\'s report differs from the batch\'s');

    let offset = 0;
    const oneAtATime = async (extra: Partial<ValidateIo>) => {
      const t = performance.now();
      for (let i = 0; i < alone; i++) {
        const r = await runValidate(files[(offset + i) % files.length]!, opts, io(extra));
        if (r.code !== 0) throw new Error(r.stdout + r.stderr);
      }
      offset += alone;
      return (alone * 1000) / (performance.now() - t);
    };
    const batch = async (extra: Partial<ValidateIo> = {}) => {
      const t = performance.now();
      const r = await runValidateFiles(files, opts, io(extra));
      if (r.code !== 0) throw new Error(r.stdout.slice(0, 400) + r.stderr);
      return (files.length * 1000) / (performance.now() - t);
    };
    const worker: number[] = [];
    const samples = await interleave(
      rounds,
      async () => {
        const v = await oneAtATime({ xsd: xsdOneRunPerDocument });
        worker.push(await oneAtATime({}));
        return v;
      },
      () => batch(),
      (r, bv, sv) => log(`  validate-batch round ${r + 1}/${rounds}: one at a time ${fmt(bv, 1)}/s (long-lived worker ${fmt(worker[r]!, 1)}/s), batch of ${CAPTURES} ${fmt(sv, 1)}/s (${fmt(sv / bv, 1)}x)`),
    );
    const withOpinions = await batch({ secondOpinions: true });
    log(`  validate-batch: the CLI default (second opinions on): ${fmt(withOpinions, 1)}/s`);
    const base = median(samples.baseline);
    const subj = median(samples.subject);
    const ratio = subj / base;
    const pass = meets(subj, TARGET);
    return [
      {
        name: 'validate-batch',
        line: `validate-batch: ${CAPTURES} captures in one batch ${fmt(subj, 1)} full reports/s vs one at a time ${fmt(base, 1)}/s -> ratio ${fmt(ratio, 1)} (${targetText(TARGET, ' reports/s')}: ${pass ? 'PASS' : 'MISS'})`,
        value: subj,
        unit: 'per-s',
        target: TARGET,
        pass,
        notes: [
          `full report = findings-mode core + TFE checks + XSD (as bench acs), JSON output; samlify/xmlsec1 second opinions off on both sides; with them on (the CLI default) the batch ran at ${fmt(withOpinions, 1)} reports/s (samlify parses every response again; the xmlsec1 runs are shared by the batch)`,
          `one at a time on the long-lived XSD worker (no batching): ${fmt(median(worker), 1)} reports/s; the old way (xmllint-wasm validateXML per report): ${fmt(base, 1)}/s`,
          `medians of ${rounds} alternating rounds; the one-at-a-time side runs ${alone} captures per round`,
        ],
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  for (const r of await run(parseOptions())) report(r);
}
