/**
 * Attack cases on the configuration version upload (a capability URL, no token): bodies built to
 * make the resource scan or the unpack expensive. The scan used a /gm regex that backtracked over
 * every following blank line from each line start (a 241-byte upload held the shared IdP+gateway
 * event loop for 15 s); each shape here goes through the real upload URL and must get the right
 * plan or a 422 naming the cap it broke. No timing thresholds: a quadratic scan shows as a hung test.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { createWorkspace, localPath, queue, slugOf, seedWorkspaceWorld, type Seeded } from '../support/workspaces.ts';

const MiB = 1024 * 1024;

interface Entry {
  name: string;
  data?: Buffer | string;
  type?: string;
}

function tarHeader(name: string, size: number, type: string): Buffer {
  const h = Buffer.alloc(512, 0);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 8, 'ascii');
  h.write('0000000\0', 108, 8, 'ascii');
  h.write('0000000\0', 116, 8, 'ascii');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 12, 'ascii');
  h.write('00000000000\0', 136, 12, 'ascii');
  h.write('        ', 148, 8, 'ascii');
  h.write(type, 156, 1, 'ascii');
  h.write('ustar  \0', 257, 8, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

const pad = (n: number) => Buffer.alloc((512 - (n % 512)) % 512, 0);

/** A gzipped tar; names over 100 bytes get a GNU long-name ('L') entry, as GNU tar writes them. */
function tarGz(entries: Entry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data ?? '', 'utf8');
    if (Buffer.byteLength(e.name) > 100) {
      const long = Buffer.from(`${e.name}\0`, 'utf8');
      blocks.push(tarHeader('././@LongLink', long.length, 'L'), long, pad(long.length));
    }
    blocks.push(tarHeader(e.name.slice(0, 100), data.length, e.type ?? '0'), data, pad(data.length));
  }
  blocks.push(Buffer.alloc(1024, 0));
  return gzipSync(Buffer.concat(blocks));
}

async function pendingCv(w: Seeded, ws: string) {
  const cv = (await w.api('post', `/api/v2/workspaces/${ws}/configuration-versions`, w.tokens.owners, { data: { type: 'configuration-versions', attributes: { 'auto-queue-runs': false } } }).expect(201)).body.data;
  return { id: cv.id as string, url: localPath(cv.attributes['upload-url']) };
}

const put = (w: Seeded, url: string, body: Buffer) => w.api('put', url, null).set('Content-Type', 'application/octet-stream').send(body);

/** Uploads the slug, runs the synthetic plan, and reads its count and the addresses its log names. */
async function planOf(w: Seeded, name: string, slug: Buffer) {
  const ws = await createWorkspace(w, name, w.tokens.owners);
  const cv = await pendingCv(w, ws);
  await put(w, cv.url, slug).expect(200);
  const run = await queue(w, ws, w.tokens.owners);
  await w.settle();
  const planId = (await w.api('get', `/api/v2/runs/${run.id}`, w.tokens.owners)).body.data.relationships.plan.data.id;
  const plan = (await w.api('get', `/api/v2/plans/${planId}`, w.tokens.owners)).body.data.attributes;
  const log = (await w.api('get', `${localPath(plan['log-read-url'])}?offset=0&limit=1048576`, null).expect(200)).text;
  const addresses = [...log.matchAll(/^ {2}# (\S+) will be created$/gm)].map((m) => m[1]);
  return { additions: plan['resource-additions'] as number, addresses };
}

/** Expects a 422 for the slug and the version still pending (nothing half-stored). */
async function refused(w: Seeded, name: string, slug: Buffer): Promise<string> {
  const ws = await createWorkspace(w, name, w.tokens.owners);
  const cv = await pendingCv(w, ws);
  const res = await put(w, cv.url, slug).expect(422);
  assert.equal((await w.api('get', `/api/v2/configuration-versions/${cv.id}`, w.tokens.owners)).body.data.attributes.status, 'pending');
  return res.body.errors[0].detail as string;
}

describe('configuration version uploads: adversarial slugs', () => {
  // The old regex was quadratic in whitespace that does NOT lead to `resource` (after a block, at
  // the end of a file, or a file of nothing else): from each line start `\s*` ran to the end of the
  // run and backtracked. Whitespace right before a resource matched at once, so that shape is no test.
  it('the resource scan is linear: a million blank lines, half a million whitespace lines and CRLF runs after a resource, or alone, keep their counts', async () => {
    const w = await seedWorkspaceWorld();
    const slug = slugOf({
      'blank-lines.tf': `resource "null_resource" "before_blank_lines" {\n${'\n'.repeat(1_000_000)}}\n`,
      'only-blank-lines.tf': '\n'.repeat(1_000_000),
      'space-lines.tf': `resource "null_resource" "before_space_lines" {\n${' \n'.repeat(500_000)}}\n`,
      'crlf.tf': `resource "null_resource" "before_crlf" {}\r\n${'\t \r\n'.repeat(250_000)}`,
      'spaces.tf': `${' '.repeat(1_000_000)}\nresource "null_resource" "after_spaces" {}\n${' '.repeat(1_000)}`,
    });
    assert.ok(slug.length < 16 * 1024, `the attack is tiny compressed (${slug.length} bytes)`);
    const plan = await planOf(w, 'blank', slug);
    assert.equal(plan.additions, 4);
    assert.deepEqual(plan.addresses, ['null_resource.before_blank_lines', 'null_resource.before_space_lines', 'null_resource.before_crlf', 'null_resource.after_spaces']);
  });

  it('`resource` repeated without braces, unclosed comments, strings and templates are no blocks, and cost one pass', async () => {
    const w = await seedWorkspaceWorld();
    const plan = await planOf(
      w,
      'nobrace',
      slugOf({
        'words.tf': 'resource '.repeat(100_000),
        'lines.tf': 'resource\n'.repeat(100_000),
        'labels.tf': 'resource "null_resource" "x"\n'.repeat(30_000),
        'one-label.tf': 'resource "null_resource" '.repeat(40_000),
        'comments.tf': '/*'.repeat(400_000),
        'line-comments.tf': '/**/ '.repeat(150_000),
        'strings.tf': '"'.repeat(999_999),
        'templates.tf': '"${'.repeat(300_000),
        'heredocs.tf': '<<EOF '.repeat(150_000),
        'real.tf': 'resource "null_resource" "still_counted" {}\n',
      }),
    );
    assert.equal(plan.additions, 1);
    assert.deepEqual(plan.addresses, ['null_resource.still_counted']);
  });

  it('the synthetic plan counts top-level resource blocks only: not ones in comments, strings, heredocs or other blocks', async () => {
    const w = await seedWorkspaceWorld();
    const plan = await planOf(
      w,
      'shapes',
      slugOf({
        'main.tf': [
          '# resource "commented" "hash" {}',
          '// resource "commented" "slashes" {}',
          '/* resource "commented" "block" {',
          'resource "commented" "inside_block_comment" {} */',
          'resource "aws_instance" "web" {',
          '  ami = "ami-123" # a comment with resource "x" "y" {',
          '  user_data = <<-EOT',
          'resource "in" "heredoc" {}',
          '  EOT',
          '  tags = { Name = "${var.name}-web", Url = "https://example.com/x" }',
          '  dynamic "x" {',
          '    content {',
          'resource "nested" "block" {}',
          '    }',
          '  }',
          '}',
          '/* one-line */ resource "null_resource" "after_comment" {',
          '}',
          'resource null_resource bare_labels {}',
          'resources "not" "a_block" {}',
          'module "m" { source = "./m" }',
        ].join('\n'),
      }),
    );
    assert.deepEqual(plan.addresses, ['aws_instance.web', 'null_resource.after_comment', 'null_resource.bare_labels']);
    assert.equal(plan.additions, 3);
  });

  it('a .tf file over 1 MiB is refused with a 422 naming the file and the cap; other files may be larger', async () => {
    const w = await seedWorkspaceWorld();
    const detail = await refused(w, 'bigtf', slugOf({ 'ok.tf': 'resource "a" "b" {}\n', 'modules/huge.tf': '\n'.repeat(MiB + 1) }));
    assert.match(detail, /modules\/huge\.tf is 1048577 bytes; each \.tf file in an upload may be at most 1 MiB \(1048576 bytes/);
    assert.doesNotMatch(detail, /not a gzip/);
    // A file the scan never reads (a lambda zip next to the configuration) is bounded by the unpack cap only.
    const plan = await planOf(w, 'bigzip', tarGz([{ name: 'lambda.zip', data: Buffer.alloc(3 * MiB, 1) }, { name: 'main.tf', data: 'resource "a" "b" {}\n' }]));
    assert.equal(plan.additions, 1);
  });

  it('a gzip bomb past the 64 MiB unpack cap is told it exceeded the cap, not that it is no gzip', async () => {
    const w = await seedWorkspaceWorld();
    const bomb = tarGz([{ name: 'bomb.bin', data: Buffer.alloc(65 * MiB, 0) }]);
    assert.ok(bomb.length < 10 * 1024 * 1024, 'fits under the 10 MB upload limit');
    const detail = await refused(w, 'bomb', bomb);
    assert.match(detail, /unpacks to more than 64 MiB, samlgate's cap on an unpacked configuration/);
    assert.doesNotMatch(detail, /not a gzip/);
  });

  it('a truncated gzip stream is told it is truncated', async () => {
    const w = await seedWorkspaceWorld();
    const whole = slugOf({ 'main.tf': `resource "a" "b" {}\n${'# filler\n'.repeat(5000)}` });
    assert.match(await refused(w, 'trunc', whole.subarray(0, Math.floor(whole.length / 2))), /truncated/);
  });

  it('an archive over 10,000 entries, a path deeper than 64 directories, or a path over 4096 bytes is refused naming the cap', async () => {
    const w = await seedWorkspaceWorld();
    const many = tarGz(Array.from({ length: 10_001 }, (_, i) => ({ name: `f${i}.txt` })));
    assert.match(await refused(w, 'many', many), /more than 10000 entries, samlgate's cap on entries/);

    const deep = `${'d/'.repeat(65)}main.tf`;
    assert.match(await refused(w, 'deep', tarGz([{ name: deep, data: 'resource "a" "b" {}' }])), /65 directories deep; samlgate's cap on directory depth in an upload is 64/);
    // 64 directories is still fine.
    assert.equal((await planOf(w, 'deep-ok', tarGz([{ name: `${'d/'.repeat(64)}main.tf`, data: 'resource "a" "b" {}' }]))).additions, 1);

    const long = tarGz([{ name: `${'x'.repeat(5000)}.tf`, data: 'resource "a" "b" {}' }]);
    assert.match(await refused(w, 'long', long), /longer than 4096 bytes/);
  });
});
