/**
 * Unpacking a configuration version's slug: a gzipped tar, as go-slug packs a directory. Every
 * dimension an upload controls is bounded before anything reads it, because the upload URL needs no
 * token and the gateway shares one event loop with the IdP: the unpacked size (a gzip bomb), the
 * entry count, path length and depth, and each .tf file's size (the resource scan reads those).
 * Every limit that trips is a SlugError naming the limit, never a generic "not a tar.gz".
 */
import { gunzip } from 'node:zlib';
import { SamlgateError } from '../errors.ts';

export class SlugError extends SamlgateError {
  readonly code = 'ERR_SLUG';
  readonly kind = 'usage';
}

const MiB = 1024 * 1024;
/** Unpacked size we are willing to hold (a configuration, not a data set). */
export const MAX_UNPACKED_BYTES = 64 * MiB;
/** Each .tf file: the resource scan reads it whole; hand-written configurations are kilobytes. */
export const MAX_TF_FILE_BYTES = 1 * MiB;
/** Entries (files, directories, metadata headers) in one archive. */
export const MAX_ENTRIES = 10_000;
/** Directory levels in an entry's path, and its length (PATH_MAX) for GNU long names. */
export const MAX_PATH_DEPTH = 64;
export const MAX_PATH_BYTES = 4096;

export const formatMiB = (bytes: number) => `${Number((bytes / MiB).toFixed(2))} MiB`;

export interface SlugEntry {
  name: string;
  /** The tar typeflag: '0' (or NUL) for a regular file. */
  type: string;
  data: Buffer;
}

const gunzipAsync = (buf: Buffer, maxOutputLength: number) =>
  new Promise<Buffer>((resolve, reject) => gunzip(buf, { maxOutputLength }, (err, out) => (err ? reject(err) : resolve(out))));

/**
 * The tar inside the gzip. Decompression runs on libuv's thread pool (zlib's async API), so a slow
 * or large inflate never holds the event loop the IdP and the other gateway requests run on.
 */
export async function gunzipSlug(slug: Buffer): Promise<Buffer> {
  try {
    return await gunzipAsync(slug, MAX_UNPACKED_BYTES);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new SlugError(`the upload unpacks to more than ${formatMiB(MAX_UNPACKED_BYTES)}, samlgate's cap on an unpacked configuration: leave large files (build output, provider binaries) out of the uploaded directory`);
    }
    if (code === 'Z_BUF_ERROR') throw new SlugError('the gzip stream ends early: the upload is truncated; send the whole tar.gz');
    throw new SlugError('the upload is not a gzip-compressed tar archive (tar.gz), as the configuration version upload expects');
  }
}

const cString = (b: Buffer) => {
  const nul = b.indexOf(0);
  return (nul < 0 ? b : b.subarray(0, nul)).toString('utf8');
};

function checkPath(name: string) {
  if (Buffer.byteLength(name) > MAX_PATH_BYTES) throw new SlugError(`an entry's path is longer than ${MAX_PATH_BYTES} bytes, samlgate's cap on paths in an upload`);
  // Directory levels: the parts before the last, or all of them for a directory entry ("a/b/").
  let depth = 0;
  for (const part of name.split('/')) if (part !== '' && part !== '.') depth++;
  if (!name.endsWith('/')) depth--;
  if (depth > MAX_PATH_DEPTH) throw new SlugError(`${JSON.stringify(name.slice(0, 120))}… is ${depth} directories deep; samlgate's cap on directory depth in an upload is ${MAX_PATH_DEPTH}`);
}

/** The entries of a tar archive (ustar/GNU headers; pax headers are yielded as type 'x'/'g' metadata). */
export function* tarEntries(tar: Buffer): Generator<SlugEntry> {
  let offset = 0;
  let longName: string | null = null;
  let entries = 0;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) return;
    if (++entries > MAX_ENTRIES) throw new SlugError(`the archive has more than ${MAX_ENTRIES} entries, samlgate's cap on entries in an upload`);
    const field = (start: number, len: number) => cString(header.subarray(start, start + len));
    const sizeField = field(124, 12).trim();
    if (!/^[0-7]{0,12}$/.test(sizeField)) throw new SlugError('the archive is not a tar file (bad header)');
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
      // GNU long name: checked before it is decoded, so a huge one costs nothing.
      if (size > MAX_PATH_BYTES + 1) throw new SlugError(`an entry's path is longer than ${MAX_PATH_BYTES} bytes, samlgate's cap on paths in an upload`);
      longName = cString(data);
      continue;
    }
    longName = null;
    checkPath(name);
    yield { name, type, data };
  }
}

export const isRegularFile = (entry: SlugEntry) => entry.type === '0' || entry.type === '\0';
