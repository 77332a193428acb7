/**
 * Raw DEFLATE (RFC 1951) of a message whose text is fixed except for a few short holes (an
 * AuthnRequest's ID and IssueInstant), without running zlib per message.
 *
 * Why: zlib's deflateRawSync builds and tears down a compressor for every call, which cost more
 * than the bare route's whole request on the anonymous GET /session (issue 15). Here each fixed
 * part is compressed once, ending on a full flush (byte-aligned, no back-references across it,
 * RFC 1951 3.2.3 blocks), and each hole goes in as a stored block (BTYPE 00, 3.2.4); the last
 * fixed part carries BFINAL. Any inflater reads the concatenation as the one message.
 * The holes are a few dozen random or time characters, which would not compress anyway.
 */
import { constants, deflateRawSync } from 'node:zlib';

const MAX_STORED = 0xffff;

function storedBlocks(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += MAX_STORED) {
    const chunk = bytes.subarray(at, at + MAX_STORED);
    const header = Buffer.alloc(5);
    // BFINAL 0, BTYPE 00; the stored block's LEN and its one's complement NLEN, little-endian.
    header.writeUInt16LE(chunk.length, 1);
    header.writeUInt16LE(~chunk.length & 0xffff, 3);
    out.push(header, chunk);
  }
  return out;
}

/** `fixed` has one more element than the holes a call fills: fixed[0] hole[0] fixed[1] ... fixed[n]. */
export function deflateTemplate(fixed: readonly string[]): (holes: readonly string[]) => Buffer {
  if (fixed.length === 0) throw new RangeError('deflateTemplate needs at least one fixed part');
  const parts = fixed.map((text, i) => deflateRawSync(Buffer.from(text, 'utf8'), { finishFlush: i === fixed.length - 1 ? constants.Z_FINISH : constants.Z_FULL_FLUSH }));
  return (holes) => {
    if (holes.length !== fixed.length - 1) throw new RangeError(`this template takes ${fixed.length - 1} holes, not ${holes.length}`);
    const out: Buffer[] = [parts[0]!];
    holes.forEach((hole, i) => out.push(...storedBlocks(Buffer.from(hole, 'utf8')), parts[i + 1]!));
    return Buffer.concat(out);
  };
}
