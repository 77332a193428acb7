/**
 * The `resource "TYPE" "NAME" {` blocks of one .tf file (HCL native syntax), in one left-to-right
 * pass. It replaces a multiline regex (`^\s*resource\s+…` with /gm) that backtracked across every
 * following blank line from every line start: a 241-byte gzip of blank lines held the event loop
 * for 15 s. Here each character is looked at a bounded number of times (a block header is read
 * once ahead, then lexed), with no regex, so the time is linear in the file's size whatever it holds.
 *
 * Only top-level blocks count (a `resource` line inside another block, a string, a heredoc or a
 * comment is not a block), and a header needs its opening brace on the same line, as HCL requires
 * (a bare `resource "a" "b"` is not a block). Nothing is evaluated: no modules, count or for_each.
 */

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0xfeff;
const isIdStart = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
const isIdChar = (c: number) => isIdStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d;

const QUOTE = 0x22;
const NL = 0x0a;

/** A block label at i (a plain quoted string or a bare identifier, on this line), or null. */
function readLabel(text: string, i: number): { value: string; end: number } | null {
  const n = text.length;
  if (text.charCodeAt(i) === QUOTE) {
    let j = i + 1;
    for (; j < n; j++) {
      const c = text.charCodeAt(j);
      if (c === QUOTE) break;
      // Escapes, templates and line ends make it something other than a literal label.
      if (c === NL || c === 0x5c || ((c === 0x24 || c === 0x25) && text.charCodeAt(j + 1) === 0x7b)) return null;
    }
    if (j >= n || j === i + 1) return null;
    return { value: text.slice(i + 1, j), end: j + 1 };
  }
  if (!isIdStart(text.charCodeAt(i))) return null;
  let j = i + 1;
  while (j < n && isIdChar(text.charCodeAt(j))) j++;
  return { value: text.slice(i, j), end: j };
}

const skipSpaces = (text: string, i: number) => {
  while (i < text.length && (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09)) i++;
  return i;
};

/** `resource LABEL LABEL {` at i: the address and where the brace is, or null. Reads one line at most. */
function readResourceHeader(text: string, i: number): { address: string; brace: number } | null {
  if (!text.startsWith('resource', i)) return null;
  let j = i + 8;
  if (isIdChar(text.charCodeAt(j))) return null; // `resources`, `resource_x`
  j = skipSpaces(text, j);
  const type = readLabel(text, j);
  if (!type) return null;
  j = skipSpaces(text, type.end);
  const name = readLabel(text, j);
  if (!name) return null;
  j = skipSpaces(text, name.end);
  if (text.charCodeAt(j) !== 0x7b) return null;
  return { address: `${type.value}.${name.value}`, brace: j };
}

/** After `<<` or `<<-` at i: the heredoc's end (the start of its closing marker's line end), or -1 if it is no heredoc. */
function skipHeredoc(text: string, i: number): number {
  const n = text.length;
  let j = i + 2;
  if (text.charCodeAt(j) === 0x2d) j++;
  const start = j;
  if (!isIdStart(text.charCodeAt(j))) return -1;
  while (j < n && isIdChar(text.charCodeAt(j))) j++;
  const marker = text.slice(start, j);
  while (j < n && isSpace(text.charCodeAt(j))) j++;
  if (text.charCodeAt(j) !== NL) return -1;
  // Line by line: the body ends at a line holding only the marker (indentation allowed).
  let line = j + 1;
  while (line < n) {
    let eol = text.indexOf('\n', line);
    if (eol < 0) eol = n;
    let a = line;
    let b = eol;
    while (a < b && isSpace(text.charCodeAt(a))) a++;
    while (b > a && isSpace(text.charCodeAt(b - 1))) b--;
    if (b - a === marker.length && text.startsWith(marker, a)) return eol;
    line = eol + 1;
  }
  return n;
}

/** Resource addresses (`TYPE.NAME`) declared at the top level of one .tf file, in order. */
export function resourceAddressesOfHcl(text: string): string[] {
  const out: string[] = [];
  const n = text.length;
  // Frames: the file body, then one per open quoted string (STRING) or template interpolation
  // inside one (a number: that frame's bracket depth). The top frame decides how to read.
  const STRING = -1;
  const frames: number[] = [0];
  let lineStart = true;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    const top = frames.length - 1;
    if (frames[top] === STRING) {
      if (c === 0x5c) i += 2;
      else if (c === QUOTE) {
        frames.pop();
        i++;
      } else if (c === NL) frames.pop(); // an unterminated string: HCL's quoted strings end with the line
      else if ((c === 0x24 || c === 0x25) && text.charCodeAt(i + 1) === c && text.charCodeAt(i + 2) === 0x7b) i += 3; // $${ and %%{ are literal
      else if ((c === 0x24 || c === 0x25) && text.charCodeAt(i + 1) === 0x7b) {
        frames.push(0);
        i += 2;
      } else i++;
      continue;
    }
    if (c === NL) {
      lineStart = true;
      i++;
      continue;
    }
    if (isSpace(c)) {
      i++;
      continue;
    }
    const next = text.charCodeAt(i + 1);
    if (c === 0x23 || (c === 0x2f && next === 0x2f)) {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? n : eol;
      continue;
    }
    if (c === 0x2f && next === 0x2a) {
      const close = text.indexOf('*/', i + 2);
      const end = close < 0 ? n : close + 2;
      // Only the comment's own characters: a search past it would rescan the rest of the file per comment.
      for (; i < end; i++) if (text.charCodeAt(i) === NL) lineStart = true;
      continue;
    }
    if (lineStart && top === 0 && frames[0] === 0 && c === 0x72) {
      const header = readResourceHeader(text, i);
      if (header) {
        out.push(header.address);
        i = header.brace;
        lineStart = false;
        continue;
      }
    }
    lineStart = false;
    if (c === QUOTE) {
      frames.push(STRING);
      i++;
    } else if (c === 0x3c && next === 0x3c) {
      const end = skipHeredoc(text, i);
      i = end < 0 ? i + 2 : end;
    } else if (c === 0x7b || c === 0x5b || c === 0x28) {
      frames[top]!++;
      i++;
    } else if (c === 0x7d || c === 0x5d || c === 0x29) {
      if (frames[top]! > 0) frames[top]!--;
      else if (top > 0 && c === 0x7d) frames.pop(); // the `}` that closes a template interpolation
      i++;
    } else i++;
  }
  return out;
}
