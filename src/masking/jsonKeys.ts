/**
 * Reading JSON the way a JSON reader does, without parsing: where a string or value ends, and
 * the key a reader sees at a quote (escapes decoded). The masker (masker.ts) decides on those
 * keys; it never builds a parse tree of untrusted content.
 */
/** End (exclusive) of the JSON string whose opening quote is at `start`; the text's end when cut off. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92 /* \ */) i++;
    else if (c === 34 /* " */) return i + 1;
  }
  return text.length;
}

/**
 * End (exclusive) of the value starting at `start`: a string, a whole object
 * or array (brackets balanced, strings skipped), or a bare token (number,
 * true/false, an unquoted word in JSON-like text). Cut-off values run to the
 * end of the text.
 */
export function valueEnd(text: string, start: number): number {
  const first = text.charCodeAt(start);
  if (first === 34) return stringEnd(text, start);
  if (first === 123 /* { */ || first === 91 /* [ */) {
    let depth = 0;
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 34) i = stringEnd(text, i) - 1;
      else if (c === 123 || c === 91) depth++;
      else if ((c === 125 || c === 93) && --depth === 0) return i + 1;
    }
    return text.length;
  }
  let i = start;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // , } ] " whitespace
    if (c === 44 || c === 125 || c === 93 || c === 34 || c === 32 || c === 9 || c === 10 || c === 13) break;
  }
  return i;
}

/**
 * Where to look for the next key after the string at `quote`, which is not one. A JSON string —
 * followed by `,` `:` `]` `}` or the end, as an array element, a key too long, a value not
 * consumed — is skipped whole: trying its closing quote as a key would read the text between two
 * strings as a key, and a string value there would swallow the next string's opening quote
 * (`["a", ":", {"password":"x"}]` hid the password). After a stray quote in free text (`5" long,
 * {"password":…}`) the next quote is tried, as the regex did.
 */
export function afterNonKey(text: string, quote: number): number {
  const end = stringEnd(text, quote);
  let i = end;
  while (i < text.length && isJsonSpace(text.charCodeAt(i))) i++;
  if (i >= text.length) return end;
  const c = text.charCodeAt(i);
  return c === 44 || c === 58 || c === 93 || c === 125 ? end : quote + 1;
}

/** JSON's white space (RFC 8259, section 2). */
function isJsonSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** [A-Za-z0-9_-]: the characters of a header or key name. */
export function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
}

export function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

/** Where a header-style value ends: the end of its line, or a quote or escape (the end of an enclosing JSON string). */
export function lineValueEnd(text: string, start: number): number {
  let i = start;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13 || c === 34 || c === 92) break;
  }
  // Trailing blanks stay outside the mask.
  while (i > start && (text.charCodeAt(i - 1) === 32 || text.charCodeAt(i - 1) === 9)) i--;
  return i;
}

/** JavaScript's `\s`: the white space and line terminators a regex's `\s` matches. */
function isRegexSpace(c: number): boolean {
  return (c >= 9 && c <= 13) || c === 32 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a)
    || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** A line terminator: what a regex's `.` does not match. */
function isLineTerminator(c: number): boolean {
  return c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
}

/** Where jsonKeyAt found a key: its closing quote, the start of its value, the end of the whole match. */
export interface JsonKey {
  keyEnd: number;
  valueStart: number;
  matchEnd: number;
  /** A hash of the key's characters, to find its earlier decision without slicing it out. */
  keyHash: number;
  /**
   * The key as a JSON reader decodes it, when it is written with escapes (`"pass\u0077ord"` →
   * `password`) and jsonKeyAt was asked to decode them; undefined for a key without escapes.
   */
  decodedKey?: string | undefined;
}

/** Keys longer than this (in UTF-16 code units, as a reader decodes them) are not looked at. */
const MAX_KEY_CHARS = 64;

/** The one-character JSON escapes (RFC 8259, section 7) and what they stand for. */
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/**
 * Decodes the JSON string whose characters start at `start` as JSON.parse would (RFC 8259,
 * section 7: `\uXXXX` and the one-character escapes), into `out.decodedKey`. Returns the index of
 * its closing quote, or -1 when it is cut off or decodes to more than MAX_KEY_CHARS characters.
 * An escape JSON does not have (`\x`) is read as its character: the text is then not JSON, and
 * reading more rather than less of it errs towards masking.
 */
function decodeKeyString(text: string, start: number, out: JsonKey): number {
  let key = '';
  let i = start;
  while (i < text.length && key.length <= MAX_KEY_CHARS) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      out.decodedKey = key;
      return i;
    }
    if (c !== 92) {
      key += text[i];
      i++;
      continue;
    }
    if (i + 1 >= text.length) return -1;
    const escaped = text[i + 1] as string;
    if (escaped === 'u') {
      let hex = 0;
      while (hex < 4 && i + 2 + hex < text.length && isHexDigit(text.charCodeAt(i + 2 + hex))) hex++;
      if (hex === 4) {
        key += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
        continue;
      }
      if (i + 2 + hex >= text.length) return -1; // cut inside the escape
    }
    key += SIMPLE_ESCAPES[escaped] ?? escaped;
    i += 2;
  }
  return -1;
}

/**
 * Whether the regex /"([^"\\]{1,64})"(\s*:\s*)(?:"(?:[^"\\]|\\.)*")?/ matches at `quote` (a `"`),
 * filling `out` when it does. By hand because the masking runs on every captured message and the
 * regex's exec (a match array and two captured strings per key) was most of its cost
 * (docs/benchmarks.md, "What we found and changed"); test/masking.test.ts checks both agree.
 *
 * With `decodeEscapes` (what the Masker uses), a key written with escapes is also a key — the one
 * a JSON reader sees, decoded into `out.decodedKey` and at most 64 characters once decoded — so
 * `"pass\u0077ord"` is `password`. Only a key with a backslash takes that path: the scan of every
 * other key is the regex's, as fast as before.
 */
export function jsonKeyAt(text: string, quote: number, out: JsonKey, decodeEscapes = false): boolean {
  const length = text.length;
  const limit = Math.min(length, quote + 65);
  let i = quote + 1;
  let hash = 0;
  let decodedKey: string | undefined;
  while (i < limit) {
    const c = text.charCodeAt(i);
    if (c === 34) break;
    if (c === 92) {
      if (!decodeEscapes) return false;
      i = decodeKeyString(text, quote + 1, out);
      if (i === -1) return false;
      decodedKey = out.decodedKey;
      break;
    }
    hash = (Math.imul(hash, 31) + c) | 0;
    i++;
  }
  if (i === quote + 1 || i >= length || text.charCodeAt(i) !== 34) return false;
  const keyEnd = i;
  i++;
  while (i < length && isRegexSpace(text.charCodeAt(i))) i++;
  if (i >= length || text.charCodeAt(i) !== 58 /* : */) return false;
  i++;
  while (i < length && isRegexSpace(text.charCodeAt(i))) i++;
  out.keyEnd = keyEnd;
  out.keyHash = hash;
  out.decodedKey = decodedKey;
  out.valueStart = i;
  out.matchEnd = i;
  // The optional complete string value: on an unescaped quote it is consumed; cut off, or an
  // escape before a line terminator, and the match ends before it (the regex's `?` matches empty).
  if (i < length && text.charCodeAt(i) === 34) {
    for (let j = i + 1; j < length; j++) {
      const c = text.charCodeAt(j);
      if (c === 34) {
        out.matchEnd = j + 1;
        break;
      }
      if (c === 92) {
        if (j + 1 >= length || isLineTerminator(text.charCodeAt(j + 1))) break;
        j++;
      }
    }
  }
  return true;
}
