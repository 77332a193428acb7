/**
 * A configuration "slug" as Terraform and go-slug upload it: a gzipped ustar archive of a
 * directory's files. Enough of POSIX ustar (regular files, names under 100 bytes) for test
 * fixtures, so the npm client tests need no archive dependency.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

function header(name: string, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(512, 0);
  const put = (text: string, offset: number, length: number) => h.write(text, offset, length, 'ascii');
  const octal = (n: number, length: number) => n.toString(8).padStart(length - 1, '0') + '\0';
  if (Buffer.byteLength(name) > 99) throw new Error(`tar-gz: ${name} is too long for a ustar name`);
  put(name, 0, 100);
  put(octal(0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(mtime, 12), 136, 12);
  put('        ', 148, 8); // checksum field counts as spaces while summing
  put('0', 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const b of h) sum += b;
  put(octal(sum, 7) + ' ', 148, 8);
  return h;
}

/** The regular files under `dir` (recursively), archived with paths relative to it. */
export function tarGzDirectory(dir: string): Buffer {
  const parts: Buffer[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(dir, rel)).sort()) {
      const relPath = rel ? `${rel}/${entry}` : entry;
      const abs = path.join(dir, relPath);
      const st = statSync(abs);
      if (st.isDirectory()) walk(relPath);
      else if (st.isFile()) {
        const data = readFileSync(abs);
        parts.push(header(relPath, data.length, Math.floor(st.mtimeMs / 1000)), data, Buffer.alloc((512 - (data.length % 512)) % 512));
      }
    }
  };
  walk('');
  parts.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(parts));
}
