/**
 * acs: in-process ACS verification throughput. samlgate's verifyLoginResponse (the full
 * SP-SECURITY pipeline, replay cache included) versus samlify 2.13's sp.parseLoginResponse on the
 * very same base64 responses, issued and signed (assertion + response) by our IdP's issuance code.
 *
 * Each response has unique IDs (the replay cache refuses a second use); a pool of N is cycled and
 * samlgate's replay cache is replaced by an empty one each time the pool wraps around.
 */
import { createMemoryStore } from '../src/store/memory.ts';
import { verifyLoginResponse, type VerifyOptions } from '../src/gateway/acs.ts';
import { fmt, interleave, isMain, log, median, meets, opsPerSecond, parseOptions, report, targetText, type BenchOptions, type BenchResult } from './lib.ts';
import { profileCall } from './profile.ts';
import { config, DAY_MS, fixedClock, gatewaySp, idpMetadata, idpTrust, issueOurs, REQUEST_ID, samlifyWithoutSchemaValidation } from './saml-fixtures.ts';

const TARGET = { op: '>=' as const, value: 1.5 };

export async function run(o: BenchOptions): Promise<BenchResult[]> {
  const rounds = o.quick ? 3 : 5;
  const ms = o.quick ? 1_000 : 2_000;
  const poolSize = o.quick ? 300 : 800;
  const issuedAt = Date.now();
  const t0 = performance.now();
  const pool: string[] = [];
  for (let i = 0; i < poolSize; i++) pool.push(Buffer.from(issueOurs(issuedAt).xml, 'utf8').toString('base64'));
  log(`acs: issued ${poolSize} responses in ${fmt(performance.now() - t0)} ms (${fmt(pool[0]!.length)} base64 chars each)`);

  const clock = fixedClock(issuedAt + 2_000);
  const opts: VerifyOptions = {
    sp: { entityId: config.gateway.entityId, acsUrl: config.gateway.acsUrl },
    idp: await idpTrust(),
    clock,
    clockSkewMs: config.gateway.clockSkew,
    maxAuthnAgeMs: DAY_MS,
    maxAssertionLifetimeMs: DAY_MS,
    replay: createMemoryStore().replay,
    attributePolicy: { allowAbsentNameFormat: config.gateway.relaxNameFormat },
    allowUnsolicited: false,
  };
  let ours = 0;
  const verifyOurs = async () => {
    const i = ours++ % poolSize;
    if (i === 0) opts.replay = createMemoryStore().replay;
    return verifyLoginResponse(pool[i], [REQUEST_ID], opts);
  };

  const samlify = samlifyWithoutSchemaValidation();
  const sIdp = samlify.IdentityProvider({ metadata: idpMetadata });
  const sSp = samlify.ServiceProvider({
    entityID: gatewaySp.entityId,
    assertionConsumerService: [{ Binding: samlify.Constants.namespace.binding.post, Location: gatewaySp.acsUrl }],
    wantAssertionsSigned: true,
    clockDrifts: [-DAY_MS, DAY_MS],
  });
  let theirs = 0;
  const verifySamlify = () => sSp.parseLoginResponse(sIdp, 'post', { body: { SAMLResponse: pool[theirs++ % poolSize]! } });

  // Both must accept the responses before anything is timed.
  const a = await verifyOurs();
  const b = await verifySamlify();
  if (a.nameId !== b.extract.nameID) throw new Error(`the verifiers disagree on the NameID: ${a.nameId} vs ${b.extract.nameID}`);

  // Warm-up.
  await opsPerSecond(300, verifyOurs);
  await opsPerSecond(300, verifySamlify);
  const measure = async () =>
    interleave(
      rounds,
      () => opsPerSecond(ms, verifySamlify),
      () => opsPerSecond(ms, verifyOurs),
      (r, bv, sv) => log(`  acs round ${r + 1}/${rounds}: samlify ${fmt(bv)}/s, samlgate ${fmt(sv)}/s (${fmt(sv / bv, 2)})`),
    );
  const samples = process.env.BENCH_CPU_PROF ? await profileCall(process.env.BENCH_CPU_PROF, 'acs', measure) : await measure();
  const base = median(samples.baseline);
  const subj = median(samples.subject);
  const ratio = subj / base;
  return [
    {
      name: 'acs',
      line: `acs: verifyLoginResponse ${fmt(subj)} responses/s vs samlify parseLoginResponse ${fmt(base)}/s -> ratio ${fmt(ratio, 2)} (${targetText(TARGET)})`,
      value: ratio,
      unit: 'ratio',
      target: TARGET,
      pass: meets(ratio, TARGET),
      notes: [
        'samlify runs WITHOUT XML schema validation (setSchemaValidator -> "skipped"): the baseline is optimistic',
        'same responses on both sides (our IdP signs the Assertion and the Response); samlgate verifies both signatures, samlify stops at the first one that verifies (the Response\'s)',
        `in-process, sequential; medians of ${rounds} alternating ${ms} ms rounds over a pool of ${poolSize} unique responses; samlgate includes its replay cache`,
      ],
    },
  ];
}

if (isMain(import.meta.url)) {
  for (const r of await run(parseOptions())) report(r);
}
