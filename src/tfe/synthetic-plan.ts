/**
 * The synthetic plan's input: the `resource` blocks of the uploaded configuration. A
 * configuration version's slug is a gzipped tar (go-slug); we read its `.tf` files and count
 * `resource "TYPE" "NAME"` blocks, which is cheap and good enough for a consistent fake plan
 * ("1 to add" for go-tfe's fixture with one null_resource). Nothing is evaluated: modules, count
 * and for_each are not expanded. A slug that is not a gzipped tar is refused (SlugError).
 */
import { gunzipSync } from 'node:zlib';

export class SlugError extends Error {
  readonly code = 'ERR_SLUG';
}

export interface SyntheticChangeSet {
  additions: number;
  destructions: number;
  addresses: string[];
}

/** Unpacked size we are willing to read (a configuration, not a data set). */
const MAX_UNPACKED = 64 * 1024 * 1024;

/** The files of a tar archive (ustar/GNU headers; pax long names are skipped as metadata). */
export function* tarEntries(tar: Buffer): Generator<{ name: string; type: string; data: Buffer }> {
  let offset = 0;
  let longName: string | null = null;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) return;
    const field = (start: number, len: number) => header.subarray(start, start + len).toString('utf8').replace(/\0.*$/s, '');
    const sizeField = field(124, 12).trim();
    if (!/^[0-7]*$/.test(sizeField)) throw new SlugError('the archive is not a tar file (bad header)');
    const size = parseInt(sizeField || '0', 8);
    const checksum = parseInt(field(148, 8).trim() || 'x', 8);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
    if (checksum !== sum) throw new SlugError('the archive is not a tar file (header checksum mismatch)');
    const type = String.fromCharCode(header[156] || 48);
    const prefix = field(345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    const dataStart = offset + 512;
    if (dataStart + size > tar.length) throw new SlugError('the archive is truncated');
    const data = tar.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = data.toString('utf8').replace(/\0.*$/s, '');
      continue;
    }
    longName = null;
    yield { name, type, data };
  }
}

/** Resource addresses declared in the slug's .tf files, in archive order. */
export function resourceAddressesOfSlug(slug: Buffer): string[] {
  let tar: Buffer;
  try {
    tar = gunzipSync(slug, { maxOutputLength: MAX_UNPACKED });
  } catch {
    throw new SlugError('the upload is not a gzip-compressed tar archive (tar.gz), as the configuration version upload expects');
  }
  const addresses: string[] = [];
  for (const entry of tarEntries(tar)) {
    if ((entry.type !== '0' && entry.type !== '\0') || !entry.name.endsWith('.tf')) continue;
    const text = entry.data.toString('utf8').replace(/#[^\n]*|\/\/[^\n]*|\/\*[\s\S]*?\*\//g, '');
    for (const m of text.matchAll(/^\s*resource\s+"([^"]+)"\s+"([^"]+)"/gm)) addresses.push(`${m[1]}.${m[2]}`);
  }
  return addresses;
}

export function changeSetFor(addresses: string[] | null, isDestroy: boolean): SyntheticChangeSet {
  // A run whose configuration we could not read plans the fixed change set of one resource.
  const list = addresses ?? ['null_resource.samlgate'];
  return isDestroy ? { additions: 0, destructions: list.length, addresses: list } : { additions: list.length, destructions: 0, addresses: list };
}
