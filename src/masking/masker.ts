/**
 * The masking engine: secrets and personal data (keys a JSON, form, header or log reader sees;
 * e-mail addresses, phone and card numbers, passwords in URLs, bearer tokens) replaced by
 * `[MASKED]` in any text Filament exports — captured content, error text, the services' own
 * log lines, URL paths (docs/events.md, "Content").
 */
import {
  afterNonKey, isLetter, isNameChar, jsonKeyAt, lineValueEnd, valueEnd, type JsonKey,
} from './jsonKeys';
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
export const MASK_LOOKAHEAD = 1024;

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

/** Which rules of `mask` can match a text: the characters each needs (flags of `triggersOf`). */
const HAS_AT = 1;
const HAS_PLUS = 2;
const HAS_QUOTE = 4;
const HAS_COLON = 8;
const HAS_EQUALS = 16;
/** A space after r/R/c/C: the end of `Bearer ` or `Basic ` in any of the cases mask() looks for. */
const HAS_SCHEME_END = 32;
/** 13 digits or more: a card number's least. */
const HAS_CARD_DIGITS = 64;

/**
 * One pass over the text for every rule's trigger instead of a search per rule. Masking only
 * ever replaces text by `[MASKED]` (with the quotes, `@`, key and scheme that were there), so it
 * never adds a trigger a later rule needs: the flags of the original text decide every rule.
 */
function triggersOf(text: string): number {
  let flags = 0;
  let digits = 0;
  let previous = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 65) {
      if (c >= 48 && c <= 57) digits++;
      else if (c === 64) flags |= HAS_AT;
      else if (c === 43) flags |= HAS_PLUS;
      else if (c === 34) flags |= HAS_QUOTE;
      else if (c === 58) flags |= HAS_COLON;
      else if (c === 61) flags |= HAS_EQUALS;
      else if (c === 32 && (previous === 114 || previous === 82 || previous === 99 || previous === 67)) flags |= HAS_SCHEME_END;
    }
    previous = c;
  }
  return digits >= 13 ? flags | HAS_CARD_DIGITS : flags;
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

  /** Keys seen in JSON by the hash of their characters, with their decision (bounded; a collision only costs a slice). */
  private readonly keysByHash = new Map<number, { readonly key: string; readonly sensitive: boolean }>();

  /**
   * isSensitiveKey for the key text[start, end) with its hash from jsonKeyAt: a key seen before is
   * compared in place and its decision read from the same entry, so the same few keys of every
   * message are neither sliced nor hashed nor looked up a second time.
   */
  private isSensitiveKeyAt(text: string, start: number, end: number, hash: number): boolean {
    const known = this.keysByHash.get(hash);
    if (known !== undefined && known.key.length === end - start && text.startsWith(known.key, start)) return known.sensitive;
    const key = text.slice(start, end);
    const sensitive = this.isSensitiveKey(key);
    if (this.keysByHash.size >= 4096) this.keysByHash.clear();
    this.keysByHash.set(hash, { key, sensitive });
    return sensitive;
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
    const triggers = triggersOf(text);
    // Value patterns first: a key-based mask stops at whitespace and would
    // otherwise leave the tail of "4111 1111 1111 1111" behind.
    if ((triggers & HAS_AT) !== 0) {
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
    if ((triggers & HAS_PLUS) !== 0) {
      out = out.replace(PHONE, () => {
        masked++;
        return MASK;
      });
    }
    // A card number needs 13 digits: most texts have fewer, and skip the regex.
    if ((triggers & HAS_CARD_DIGITS) !== 0) {
      out = out.replace(CARD, (all) => {
        if (!luhn(all.replace(/[ -]/g, ''))) return all;
        masked++;
        return MASK;
      });
    }
    // Most JSON has no sensitive key: the key scan builds nothing until it finds one
    // (docs/benchmarks.md, "masking").
    if ((triggers & HAS_QUOTE) !== 0) {
      const json = this.maskJsonValues(out);
      out = json.text;
      masked += json.masked;
    }
    if ((triggers & HAS_COLON) !== 0) {
      const headers = this.maskHeaderLines(out);
      out = headers.text;
      masked += headers.masked;
    }
    if ((triggers & HAS_SCHEME_END) !== 0
      && (out.indexOf('earer ') !== -1 || out.indexOf('asic ') !== -1 || out.indexOf('EARER ') !== -1 || out.indexOf('ASIC ') !== -1)) {
      out = out.replace(AUTH_SCHEME, (_all, scheme: string) => {
        masked++;
        return `${scheme} ${MASK}`;
      });
    }
    if ((triggers & HAS_EQUALS) !== 0) {
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
export function countMasks(text: string, max: number): number {
  let n = 0;
  for (let i = text.indexOf(MASK); i !== -1 && n < max; i = text.indexOf(MASK, i + MASK.length)) n++;
  return n;
}

/** `kept` (a prefix of `masked`) extended so that it does not end inside a `[MASKED]`. */
export function keepMaskWhole(kept: string, masked: string): string {
  for (let open = kept.indexOf('[', Math.max(0, kept.length - MASK.length + 1)); open !== -1; open = kept.indexOf('[', open + 1)) {
    if (masked.startsWith(MASK, open)) return masked.slice(0, open + MASK.length);
  }
  return kept;
}

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
