/**
 * Turns untrusted bytes (queue message bodies, error messages) into text that is
 * safe to export: capped, binary marked instead of dumped, invalid UTF-8
 * replaced, PII and secrets masked. Runs only where a value is exported, never
 * on a request path that does not emit.
 */

export type ContentKind = 'text' | 'json' | 'binary' | 'empty';

export interface CapturedContent {
  /** What goes into the LogRecord body. */
  readonly text: string;
  readonly kind: ContentKind;
  readonly truncated: boolean;
  /** How many values were masked. */
  readonly masked: number;
  /** Original size in bytes. */
  readonly size: number;
}

export const MASK = '[MASKED]';
const QUOTED_MASK = `"${MASK}"`;

const EMAIL = /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}/g;
// International phone numbers (a leading + keeps order numbers and counts safe).
const PHONE = /\+\d[\d ().-]{6,18}\d/g;
// 13–19 digits, optionally grouped by spaces or dashes; confirmed by Luhn below.
const CARD = /\b\d(?:[ -]?\d){12,18}\b/g;
// JSON keys are found by jsonKeyAt below, a hand-written scanner equivalent to the regex
// /"([^"\\]{1,64})"(\s*:\s*)(?:"(?:[^"\\]|\\.)*")?/g: a quoted key, its colon and, when it is a
// complete string, its value (consumed, so its quotes are not tried as keys); a value of any other
// type is scanned by hand when the key is sensitive.
// key=value in form-encoded or log-style text.
const FORM_PAIR = /(^|[\s&?;,])([A-Za-z_][A-Za-z0-9_.-]{0,63})=([^&\s;,]*)/g;
// Credentials in a URL's user-info: scheme://user:password@host.
const URL_PASSWORD = /(:\/\/[^\s/:@]{1,128}:)([^\s/@]{1,256})@/g;
// An HTTP auth scheme followed by its credentials, wherever it stands.
const AUTH_SCHEME = /\b(Bearer|Basic)[ \t]+([A-Za-z0-9._~+/=-]{8,})/gi;

/**
 * How far past the cap masking reads, so a value pattern that straddles the
 * cap (an e-mail is at most ~350 characters, a card number ~40) is still
 * recognised whole. Values under sensitive keys, header lines and key=value
 * pairs are masked to the end of the window whatever their length.
 */
const MASK_LOOKAHEAD = 1024;

function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Digits in `text`, counting stops at `enough`. */
function digitCount(text: string, enough: number): number {
  let n = 0;
  for (let i = 0; i < text.length && n < enough; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

/** A configured key without case or separators: `access_token`, `Access-Token` → `accesstoken`. */
function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * The words of a key: split at separators, case changes and between letters and digits,
 * lower-cased. `secretKey` → secret, key; `X-Api-Key` → x, api, key; `APIKey` → api, key;
 * `SECRET_KEY` → secret, key; `password2` → password, 2; `pwd1` → pwd, 1; `spinner` → spinner.
 * Digits stay words of their own, so a configured key with digits (`x509`) still matches as a run.
 */
function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([A-Za-z])(?=[0-9])|([0-9])(?=[A-Za-z])/g, '$1$2 ')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

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
function valueEnd(text: string, start: number): number {
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
function afterNonKey(text: string, quote: number): number {
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
function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
}

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

/** Where a header-style value ends: the end of its line, or a quote or escape (the end of an enclosing JSON string). */
function lineValueEnd(text: string, start: number): number {
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

/** A masked value: the (copy-on-change) value, how many values were replaced in it, whether text was cut. */
export interface MaskedValue {
  readonly value: unknown;
  readonly masked: number;
  readonly truncated: boolean;
}

/** The running counts of a maskField / maskNode walk. */
export interface MaskTally {
  masked: number;
  truncated: boolean;
}

/** Nesting below this depth is not walked by maskValue: it is replaced, not exported unmasked. */
const MAX_VALUE_DEPTH = 16;
const TOO_DEEP = '[nested too deep, not exported]';

/**
 * Masks secrets and PII. Built once per configuration (`getRuntime().masker`).
 *
 * Keys: a key is sensitive when one of its words, or a run of adjacent words,
 * is a configured key — words split at `_ - .`, spaces and case changes — so
 * `secretKey`, `secret_key`, `X-Api-Key`, `userPin` are sensitive and
 * `spinner`, `pinned`, `secretary`, `passport` are not; configured keys of
 * five or more letters also match as the end of a key written as one word
 * (`userpassword`).
 *
 * Text: e-mail addresses, international phone numbers, Luhn-valid card
 * numbers, URL passwords and HTTP auth credentials wherever they stand; whole
 * values (any type) under sensitive JSON keys; header-style lines
 * (`Authorization: …`, `Cookie: …`) to the end of the line; `key=value` pairs.
 */
export class Masker {
  private readonly keys: Set<string>;
  private readonly suffixes: string[];
  private readonly longestKey: number;

  constructor(keys: readonly string[]) {
    this.keys = new Set(keys.map(normaliseKey).filter((k) => k !== ''));
    this.suffixes = [...this.keys].filter((k) => k.length >= 5);
    this.longestKey = Math.max(0, ...[...this.keys].map((k) => k.length));
  }

  /** The same few keys come in every message: decide once per key (bounded). */
  private readonly decided = new Map<string, boolean>();

  isSensitiveKey(key: string): boolean {
    const known = this.decided.get(key);
    if (known !== undefined) return known;
    const sensitive = this.decide(key);
    if (this.decided.size >= 4096) this.decided.clear();
    this.decided.set(key, sensitive);
    return sensitive;
  }

  /** Keys seen in JSON by the hash of their characters (bounded; a collision only costs a slice). */
  private readonly keysByHash = new Map<number, string>();

  /**
   * isSensitiveKey for the key text[start, end) with its hash from jsonKeyAt: a key seen before is
   * compared in place, so the same few keys of every message are neither sliced nor hashed again.
   */
  private isSensitiveKeyAt(text: string, start: number, end: number, hash: number): boolean {
    const known = this.keysByHash.get(hash);
    if (known !== undefined && known.length === end - start && text.startsWith(known, start)) return this.isSensitiveKey(known);
    const key = text.slice(start, end);
    if (this.keysByHash.size >= 4096) this.keysByHash.clear();
    this.keysByHash.set(hash, key);
    return this.isSensitiveKey(key);
  }

  private decide(key: string): boolean {
    const words = keyWords(key);
    const joined = words.join('');
    if (this.keys.has(joined)) return true;
    for (let i = 0; i < this.suffixes.length; i++) if (joined.endsWith(this.suffixes[i] as string)) return true;
    // Runs of adjacent words, no longer than the longest configured key.
    for (let i = 0; i < words.length; i++) {
      let run = '';
      for (let j = i; j < words.length; j++) {
        run += words[j] as string;
        if (run.length > this.longestKey) break;
        if (this.keys.has(run)) return true;
      }
    }
    return false;
  }

  /** Where the value after a sensitive JSON key ends, or -1 when there is nothing to mask (null, empty, masked). */
  private maskableValueEnd(text: string, start: number): number {
    if (start >= text.length || text.startsWith('null', start) || text.startsWith(QUOTED_MASK, start)) return -1;
    const end = valueEnd(text, start);
    return end > start ? end : -1;
  }

  /** Whole values under sensitive JSON keys. No string is built until the first one is found. */
  private maskJsonValues(text: string): { text: string; masked: number } {
    let out = '';
    let last = 0;
    let masked = 0;
    const key: JsonKey = { keyEnd: 0, valueStart: 0, matchEnd: 0, keyHash: 0, decodedKey: undefined };
    for (let quote = text.indexOf('"'); quote !== -1;) {
      if (!jsonKeyAt(text, quote, key, true)) {
        quote = text.indexOf('"', afterNonKey(text, quote));
        continue;
      }
      let next = key.matchEnd;
      const sensitive = key.decodedKey === undefined
        ? this.isSensitiveKeyAt(text, quote + 1, key.keyEnd, key.keyHash)
        : this.isSensitiveKey(key.decodedKey);
      if (sensitive) {
        const start = key.valueStart;
        const end = this.maskableValueEnd(text, start);
        if (end !== -1) {
          out += text.slice(last, start) + QUOTED_MASK;
          last = end;
          masked++;
          next = end;
        }
      }
      quote = text.indexOf('"', next);
    }
    return masked === 0 ? { text, masked } : { text: out + text.slice(last), masked };
  }

  /**
   * `Name: value` where Name is a sensitive key (Authorization, Cookie,
   * Set-Cookie, X-Api-Key, password, …): the value to the end of its line.
   * Found from the colons (a JSON key's colon follows a quote and is skipped
   * at once) rather than by a regex tried at every position.
   */
  private maskHeaderLines(text: string): { text: string; masked: number } {
    let out = '';
    let last = 0;
    let masked = 0;
    for (let colon = text.indexOf(':'); colon !== -1; colon = text.indexOf(':', colon + 1)) {
      let nameEnd = colon;
      while (nameEnd > last && (text.charCodeAt(nameEnd - 1) === 32 || text.charCodeAt(nameEnd - 1) === 9)) nameEnd--;
      // 'key': value (a single-quoted key, as in util.inspect or Python output)
      const quoted = nameEnd > last && text.charCodeAt(nameEnd - 1) === 39;
      if (quoted) nameEnd--;
      let nameStart = nameEnd;
      while (nameStart > last && nameEnd - nameStart <= 64 && isNameChar(text.charCodeAt(nameStart - 1))) nameStart--;
      if (nameEnd - nameStart < 2 || nameEnd - nameStart > 64 || !isLetter(text.charCodeAt(nameStart))) continue;
      if (quoted && (nameStart === 0 || text.charCodeAt(nameStart - 1) !== 39)) continue;
      if (!this.isSensitiveKey(text.slice(nameStart, nameEnd))) continue;
      let start = colon + 1;
      while (start < text.length && (text.charCodeAt(start) === 32 || text.charCodeAt(start) === 9)) start++;
      const end = lineValueEnd(text, start);
      if (end === start || text.startsWith(MASK, start) || text.startsWith(QUOTED_MASK, start)) continue;
      out += text.slice(last, start) + MASK;
      last = end;
      masked++;
      colon = end - 1;
    }
    return masked === 0 ? { text, masked } : { text: out + text.slice(last), masked };
  }

  mask(text: string): { text: string; masked: number } {
    let masked = 0;
    let out = text;
    // Value patterns first: a key-based mask stops at whitespace and would
    // otherwise leave the tail of "4111 1111 1111 1111" behind.
    if (out.indexOf('@') !== -1) {
      if (out.indexOf('://') !== -1) {
        out = out.replace(URL_PASSWORD, (_all, head: string) => {
          masked++;
          return `${head}${MASK}@`;
        });
      }
      out = out.replace(EMAIL, () => {
        masked++;
        return MASK;
      });
    }
    if (out.indexOf('+') !== -1) {
      out = out.replace(PHONE, () => {
        masked++;
        return MASK;
      });
    }
    // A card number needs 13 digits: most texts have fewer, and skip the regex.
    if (digitCount(out, 13) >= 13) {
      out = out.replace(CARD, (all) => {
        if (!luhn(all.replace(/[ -]/g, ''))) return all;
        masked++;
        return MASK;
      });
    }
    // Most JSON has no sensitive key: the key scan builds nothing until it finds one
    // (docs/benchmarks.md, "masking").
    if (out.indexOf('"') !== -1) {
      const json = this.maskJsonValues(out);
      out = json.text;
      masked += json.masked;
    }
    if (out.indexOf(':') !== -1) {
      const headers = this.maskHeaderLines(out);
      out = headers.text;
      masked += headers.masked;
    }
    if (out.indexOf('earer ') !== -1 || out.indexOf('asic ') !== -1 || out.indexOf('EARER ') !== -1 || out.indexOf('ASIC ') !== -1) {
      out = out.replace(AUTH_SCHEME, (_all, scheme: string) => {
        masked++;
        return `${scheme} ${MASK}`;
      });
    }
    if (out.indexOf('=') !== -1) {
      out = out.replace(FORM_PAIR, (all, lead: string, key: string, value: string) => {
        if (value === '' || value === MASK || !this.isSensitiveKey(key)) return all;
        masked++;
        return `${lead}${key}=${MASK}`;
      });
    }
    return { text: out, masked };
  }

  /**
   * Masks a structured value — a bridged pino/winston/bunyan record, a JSON
   * document already parsed: values under sensitive keys are replaced whole by
   * `[MASKED]` whatever their type, strings are masked like text and, longer
   * than `maxChars`, cut and marked (safeText), an Error becomes a plain object
   * with its name and masked message and stack. The input is never changed:
   * what changes is copied, what does not is shared. Nesting deeper than 16
   * levels is replaced by a marker rather than walked.
   */
  maskValue(value: unknown, maxChars = Infinity): MaskedValue {
    const tally: MaskTally = { masked: 0, truncated: false };
    const out = this.maskNode(value, maxChars, tally, 0);
    return { value: out, masked: tally.masked, truncated: tally.truncated };
  }

  /**
   * maskValue for one field of a record: replaced whole under a sensitive key
   * (unless null or already masked), walked otherwise. Counts go into `tally`,
   * which the caller reuses, so a record with nothing to mask allocates nothing.
   */
  maskField(key: string, value: unknown, maxChars: number, tally: MaskTally, depth = 0): unknown {
    if (value === undefined || value === null || !this.isSensitiveKey(key)) return this.maskNode(value, maxChars, tally, depth);
    if (value === MASK) return value;
    tally.masked++;
    return MASK;
  }

  /** maskValue's walk, counting into `tally` (see maskField). */
  maskNode(value: unknown, maxChars: number, tally: MaskTally, depth: number): unknown {
    if (typeof value === 'string') {
      if (value.length > maxChars) tally.truncated = true;
      const { text, masked } = safeText(value, maxChars, this);
      tally.masked += masked;
      return text;
    }
    if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
    if (depth >= MAX_VALUE_DEPTH) return TOO_DEEP;
    // Other typed arrays and dates hold nothing to mask: what walking them would return, without the walk.
    if (ArrayBuffer.isView(value) || value instanceof Date) return value;
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        const masked = this.maskNode(item, maxChars, tally, depth + 1);
        if (masked !== item) (copy ??= value.slice())[i] = masked;
      }
      return copy ?? value;
    }
    const map = value as Record<string, unknown>;
    // An Error's name, message and stack are not enumerable properties: copied explicitly.
    let copy: Record<string, unknown> | undefined;
    if (value instanceof Error) {
      copy = { name: value.name, message: this.maskNode(value.message, maxChars, tally, depth + 1), ...map };
      if (value.stack !== undefined) copy.stack = this.maskNode(value.stack, maxChars, tally, depth + 1);
    }
    for (const key in map) {
      const item = map[key];
      const masked = this.maskField(key, item, maxChars, tally, depth + 1);
      if (masked !== item) (copy ??= { ...map })[key] = masked;
    }
    return copy ?? value;
  }
}

/** Counts `[MASKED]` in `text` (at most `max`). */
function countMasks(text: string, max: number): number {
  let n = 0;
  for (let i = text.indexOf(MASK); i !== -1 && n < max; i = text.indexOf(MASK, i + MASK.length)) n++;
  return n;
}

/** `kept` (a prefix of `masked`) extended so that it does not end inside a `[MASKED]`. */
function keepMaskWhole(kept: string, masked: string): string {
  for (let open = kept.indexOf('[', Math.max(0, kept.length - MASK.length + 1)); open !== -1; open = kept.indexOf('[', open + 1)) {
    if (masked.startsWith(MASK, open)) return masked.slice(0, open + MASK.length);
  }
  return kept;
}

const TEXT_TYPES = /^(text\/|application\/(json|xml|x-www-form-urlencoded|csv|yaml|x-ndjson|[a-z.+-]*\+json|[a-z.+-]*\+xml))/i;
const BINARY_TYPES = /^(application\/(octet-stream|zip|gzip|x-protobuf|protobuf|pdf|vnd\.ms-)|image\/|audio\/|video\/|model\/)/i;

/** Heuristic on the first bytes: NUL or many control bytes mean binary. */
function looksBinary(buf: Uint8Array): boolean {
  const n = Math.min(buf.length, 1024);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = buf[i] as number;
    if (b === 0) return true;
    if (b < 9 || (b > 13 && b < 32) || b === 127) control++;
  }
  return control * 10 > n;
}

function firstNonSpace(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return text[i] as string;
  }
  return '';
}

/**
 * Captures bytes or a string for export. `maxBytes` caps the UTF-8 size of the
 * captured text; the cut never splits a character.
 */
export function captureContent(
  content: Uint8Array | string | null | undefined,
  contentType: string | undefined,
  maxBytes: number,
  masker: Masker,
): CapturedContent {
  if (content === null || content === undefined || content.length === 0) {
    return { text: '', kind: 'empty', truncated: false, masked: 0, size: 0 };
  }
  const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const size = buf.length;
  const binary =
    contentType !== undefined && BINARY_TYPES.test(contentType)
      ? true
      : contentType !== undefined && TEXT_TYPES.test(contentType)
        ? false
        : looksBinary(buf);
  if (binary) {
    return { text: `[binary content, ${size} bytes, not captured]`, kind: 'binary', truncated: false, masked: 0, size };
  }
  const view = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (size <= maxBytes) {
    // toString replaces invalid UTF-8 sequences with U+FFFD.
    const decoded = view.toString('utf8');
    const { text, masked } = masker.mask(decoded);
    return { text, kind: jsonOrText(decoded), truncated: false, masked, size };
  }
  // Mask first, then cap: a secret across the cap must not leave its first characters behind.
  // Masking reads MASK_LOOKAHEAD bytes past the cap, never the whole (possibly huge) content.
  const windowEnd = charBoundary(view, Math.min(size, maxBytes + MASK_LOOKAHEAD));
  const decoded = view.toString('utf8', 0, windowEnd);
  const { text: maskedWindow, masked: maskedInWindow } = masker.mask(decoded);
  const maskedBytes = Buffer.from(maskedWindow, 'utf8');
  if (windowEnd === size && maskedBytes.length <= maxBytes) {
    // Masking shrank the whole content below the cap.
    return { text: maskedWindow, kind: jsonOrText(decoded), truncated: false, masked: maskedInWindow, size };
  }
  const kept = keepMaskWhole(maskedBytes.toString('utf8', 0, charBoundary(maskedBytes, maxBytes)), maskedWindow);
  if (windowEnd === size && kept.length === maskedWindow.length) {
    return { text: kept, kind: jsonOrText(decoded), truncated: false, masked: maskedInWindow, size };
  }
  const masked = maskedInWindow === 0 ? 0 : countMasks(kept, maskedInWindow);
  return { text: `${kept}…[truncated, ${size} bytes]`, kind: jsonOrText(decoded), truncated: true, masked, size };
}

/** `end` moved back to a UTF-8 character boundary (continuation bytes are 10xxxxxx). */
function charBoundary(buf: Uint8Array, end: number): number {
  let i = end;
  while (i > 0 && i < buf.length && ((buf[i] as number) & 0xc0) === 0x80) i--;
  return i;
}

function jsonOrText(decoded: string): ContentKind {
  const first = firstNonSpace(decoded);
  return first === '{' || first === '[' ? 'json' : 'text';
}

/** Caps of an error's text wherever it is exported: api.error, span exception events, process.crashed. */
export const MAX_ERROR_MESSAGE_CHARS = 1024;
export const MAX_ERROR_STACK_CHARS = 8192;

/**
 * Masks and caps a short free-text value such as an error message or stack:
 * masked first (reading a little past the cap), then cut at `maxChars`
 * without splitting a `[MASKED]`.
 */
export function safeText(value: string, maxChars: number, masker: Masker): { text: string; masked: number } {
  if (value.length <= maxChars) return masker.mask(value);
  const { text, masked } = masker.mask(value.slice(0, maxChars + MASK_LOOKAHEAD));
  if (text.length <= maxChars && value.length <= maxChars + MASK_LOOKAHEAD) return { text, masked };
  const kept = keepMaskWhole(text.slice(0, maxChars), text);
  if (kept.length === text.length && value.length <= maxChars + MASK_LOOKAHEAD) return { text, masked };
  return { text: `${kept}…[truncated]`, masked: masked === 0 ? 0 : countMasks(kept, masked) };
}
