/**
 * Differential fuzz test of the JSON masking: generated documents (keys written with escapes,
 * `\u` of any letter, digits, Unicode, nesting, arrays, strings full of quotes and colons) are
 * read by JSON.parse — the reference, which decides on the keys a JSON reader sees — and masked by
 * Filament whole, cut at a random character (a message truncated before Filament sees it) and
 * capped by captureContent. No value the reference masks may come out of Filament unmasked.
 * Deterministic: a seeded PRNG, so a failure names a document that fails again.
 */
import assert from 'node:assert/strict';
import { DEFAULT_MASK_KEYS } from '../src/config';
import { captureContent, Masker, MASK } from '../src/masking';

/** mulberry32: a small, fast, seeded PRNG (public domain). */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

// ---------------------------------------------------------------------------------------------
// The reference: which keys are sensitive, written from the documented rule (docs/events.md,
// "Masking"), independently of src/masking/. Words: split at every character that is not
// an ASCII letter or digit, at lower-case or digit → upper-case, before the last capital of a
// capital run followed by a lower-case letter, and between letters and digits; then lower-cased.
// Sensitive: a run of adjacent words spells a configured key, or the words joined end with a
// configured key of five or more characters. Keys longer than 64 characters are not looked at.

const CONFIGURED = new Set(DEFAULT_MASK_KEYS.map((k) => k.toLowerCase().replace(/[^a-z0-9]/g, '')));
const LONG_CONFIGURED = [...CONFIGURED].filter((k) => k.length >= 5);
const isUpper = (c: string | undefined): boolean => c !== undefined && c >= 'A' && c <= 'Z';
const isLower = (c: string | undefined): boolean => c !== undefined && c >= 'a' && c <= 'z';
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isLetter = (c: string | undefined): boolean => isUpper(c) || isLower(c);

function referenceWords(key: string): string[] {
  let spaced = '';
  for (let i = 0; i < key.length; i++) {
    const a = key[i - 1];
    const b = key[i] as string;
    const boundary = ((isLower(a) || isDigit(a)) && isUpper(b))
      || (isUpper(a) && isUpper(b) && isLower(key[i + 1]))
      || (isLetter(a) && isDigit(b)) || (isDigit(a) && isLetter(b));
    spaced += boundary ? ` ${b}` : b;
  }
  return spaced.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w !== '');
}

function referenceSensitive(key: string): boolean {
  if (key.length === 0 || key.length > 64) return false;
  const words = referenceWords(key);
  const joined = words.join('');
  if (LONG_CONFIGURED.some((k) => joined.endsWith(k))) return true;
  for (let i = 0; i < words.length; i++) {
    let run = '';
    for (let j = i; j < words.length; j++) {
      run += words[j] as string;
      if (CONFIGURED.has(run)) return true;
    }
  }
  return false;
}

type Path = (string | number)[];

/** The paths of the values a JSON reader would mask: under a sensitive key, not null. */
function secretPaths(value: unknown, path: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(value)) {
    value.forEach((item, i) => secretPaths(item, [...path, i], out));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (referenceSensitive(key) && item !== null) out.push([...path, key]);
      else secretPaths(item, [...path, key], out);
    }
  }
  return out;
}

/**
 * Whether `path` is masked in `tree` (Filament's output, parsed): `[MASKED]` at the path or above
 * it. A path that is absent (cut off) counts as masked only when `absentIsMasked`.
 */
function maskedAt(tree: unknown, path: Path, absentIsMasked: boolean): boolean {
  let node: unknown = tree;
  for (const step of path) {
    if (node === MASK) return true;
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, step)) return absentIsMasked;
    node = (node as Record<string | number, unknown>)[step];
  }
  return node === MASK;
}

/**
 * A cut JSON text made parseable the way a lenient reader would show it: an open string value is
 * closed (a cut escape dropped; nothing shown when nothing of it is left), a cut bare token becomes the string "~cut", a dangling key, colon
 * or comma is dropped, open objects and arrays are closed. Undefined when nothing is left.
 */
function complete(text: string): string | undefined {
  // Container stack: '{' or '['; per object whether the next string is a key.
  const stack: string[] = [];
  let expectKey = false;
  let safeEnd = -1;
  let safeClose = '';
  const closers = (): string => stack.map((c) => (c === '{' ? '}' : ']')).reverse().join('');
  const valueDone = (end: number): void => {
    safeEnd = end;
    safeClose = closers();
  };
  let i = 0;
  const ws = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  while (i < text.length) {
    const c = text[i] as string;
    if (ws(c) || c === ':') {
      i++;
    } else if (c === ',') {
      if (stack[stack.length - 1] === '{') expectKey = true;
      i++;
    } else if (c === '{' || c === '[') {
      stack.push(c);
      expectKey = c === '{';
      i++;
      valueDone(i);
    } else if (c === '}' || c === ']') {
      stack.pop();
      expectKey = false;
      i++;
      valueDone(i);
    } else if (c === '"') {
      let j = i + 1;
      let closed = false;
      let lastWhole = j; // end of the last whole character or escape
      while (j < text.length) {
        const d = text[j];
        if (d === '"') {
          closed = true;
          break;
        }
        if (d === '\\') {
          const len = text[j + 1] === 'u' ? 6 : 2;
          if (j + len > text.length) break;
          j += len;
        } else {
          j++;
        }
        lastWhole = j;
      }
      if (expectKey) {
        if (!closed) break; // a cut key: nothing of its value is visible
        expectKey = false;
        i = j + 1;
        continue;
      }
      if (!closed) {
        if (lastWhole === i + 1) break; // an opening quote and nothing of the value
        return `${text.slice(0, lastWhole)}"${closers()}`;
      }
      i = j + 1;
      valueDone(i);
    } else {
      // A bare token: number, true, false, null.
      let j = i;
      while (j < text.length && !ws(text[j]) && !',:]}"'.includes(text[j] as string)) j++;
      if (j >= text.length) return `${text.slice(0, i)}"~cut"${closers()}`;
      i = j;
      valueDone(i);
    }
  }
  return safeEnd === -1 ? undefined : text.slice(0, safeEnd) + safeClose;
}

// ---------------------------------------------------------------------------------------------
// The generator.

const SENSITIVE_BASES = ['password', 'passwd', 'pwd', 'pass', 'secret', 'token', 'accessToken', 'refresh_token', 'apiKey',
  'api_key', 'authorization', 'auth', 'credentials', 'private_key', 'sessionId', 'cookie', 'cardNumber', 'cvv', 'pin', 'otp',
  'ssn', 'iban', 'email', 'phone', 'mobile', 'passphrase'];
const OTHER_BASES = ['orderNumber', 'status', 'spinner', 'pinned', 'company', 'note', 'id', 'items', 'passport', 'secretary',
  'keyboard', 'shipping', 'material', 'polygonCount', 'customerId', 'a', 'x'];
const PREFIXES = ['', '', '', 'user', 'customer_', 'x-', 'X_', 'new', 'db.', 'my ', '2'];
const SUFFIXES = ['', '', '', '2', '1', '_2', '-3', '42', 'Hash', '_old', 'Id', 's', 'ü', '日本', '\u{1F600}', 'İ', '\u212A'];
// String content: everything JSON text has, quotes, colons and brackets included. Not `=`, `@`, `+`
// or long digit runs: the text rules (key=value, e-mail, phone, card) mask those inside strings, which
// is fine, but could also reach past a string's quote and make the output unparseable for the check.
const STRING_CHARS = ['a', 'b', 'Z', '0', '7', ' ', ':', ':', '"', '"', '\\', ',', '{', '}', '[', ']', '/', 'ü', '日', '\u{1F600}',
  '\n', '\t', '\u2028', 'token', 'password', '": "', '":"'];

function generator(random: (n: number) => number) {
  const pick = <T>(list: readonly T[]): T => list[random(list.length)] as T;

  function caseVariant(word: string): string {
    switch (random(5)) {
      case 0: return word.toUpperCase();
      case 1: return word[0]?.toUpperCase() + word.slice(1);
      default: return word;
    }
  }

  function key(): string {
    const base = random(2) === 0 ? pick(SENSITIVE_BASES) : pick(OTHER_BASES);
    let k = pick(PREFIXES) + caseVariant(base) + pick(SUFFIXES);
    if (random(30) === 0) k = 'p'.repeat(50 + random(20)) + k; // around the 64-character limit
    return k;
  }

  /** A JSON string literal for `s`, each character written plainly or as an escape. */
  function literal(s: string, escapeRate: number): string {
    let out = '"';
    for (const ch of s) {
      const code = ch.codePointAt(0) as number;
      const units = code > 0xffff ? [0xd800 + ((code - 0x10000) >> 10), 0xdc00 + ((code - 0x10000) & 0x3ff)] : [code];
      const mustEscape = ch === '"' || ch === '\\' || code < 0x20;
      if (mustEscape || random(escapeRate) === 0) {
        const short: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r', '\b': '\\b', '\f': '\\f', '/': '\\/' };
        if (short[ch] !== undefined && random(2) === 0) {
          out += short[ch];
        } else {
          for (const u of units) {
            const hex = u.toString(16).padStart(4, '0');
            out += `\\u${random(2) === 0 ? hex : hex.toUpperCase()}`;
          }
        }
      } else {
        out += ch;
      }
    }
    return `${out}"`;
  }

  const space = (): string => (random(4) === 0 ? pick([' ', '\n', '\t', '\r\n', '  ']) : '');

  function value(depth: number): string {
    const kind = random(depth >= 4 ? 5 : 8);
    switch (kind) {
      case 0: return String(random(2) === 0 ? random(100000) : -random(1000) / 8);
      case 1: return pick(['true', 'false', 'null']);
      case 2:
      case 3:
      case 4: {
        let s = '';
        for (let n = random(12); n > 0; n--) s += pick(STRING_CHARS);
        return literal(s, random(2) === 0 ? 1000 : 4);
      }
      case 5:
      case 6: {
        const keys = new Set<string>();
        const members: string[] = [];
        for (let n = random(6); n > 0; n--) {
          const k = key();
          if (keys.has(k)) continue; // JSON.parse keeps the last of duplicate keys: one each
          keys.add(k);
          members.push(`${space()}${literal(k, pick([1000, 3, 1]))}${space()}:${space()}${value(depth + 1)}${space()}`);
        }
        return `{${members.join(',')}}`;
      }
      default: {
        const items: string[] = [];
        for (let n = random(5); n > 0; n--) items.push(`${space()}${value(depth + 1)}${space()}`);
        return `[${items.join(',')}]`;
      }
    }
  }

  return (): string => (random(3) === 0 ? `[${value(1)},${value(1)}]` : value(random(2) === 0 ? 0 : 4 - random(2)));
}

describe('fuzz: masking against a JSON.parse reference', () => {
  const masker = new Masker(DEFAULT_MASK_KEYS);

  it('the reference rule itself: escapes decoded by JSON.parse, digits separate words', () => {
    for (const key of ['password', 'password2', 'pwd1', 'token_2', 'userPassword', 'Password2Hash', 'x-api-key', 'secretKey']) {
      assert.equal(referenceSensitive(key), true, key);
    }
    for (const key of ['passport', 'spinner', 'pinned', 'company', 'secretary', 'orderNumber']) assert.equal(referenceSensitive(key), false, key);
    assert.deepEqual(secretPaths(JSON.parse('{"pass\\u0077ord":"h","a":[{"\\u0074oken":1}],"pin":null}')), [['password'], ['a', 0, 'token']]);
    assert.equal(complete('{"a":[1,{"b":"x\\u00'), '{"a":[1,{"b":"x"}]}');
    assert.equal(complete('{"a":1,"b":tr'), '{"a":1,"b":"~cut"}');
    assert.equal(complete('{"a":1,"b"'), '{"a":1}');
    assert.equal(complete('{"a":1,"b":"'), '{"a":1}');
  });

  it('no value the reference masks is exported unmasked: 4000 documents, whole, cut and capped', () => {
    const random = prng(20261206);
    const next = generator(random);
    const failures: string[] = [];
    let secrets = 0;
    for (let n = 0; n < 4000 && failures.length < 5; n++) {
      const doc = next();
      const paths = secretPaths(JSON.parse(doc));
      secrets += paths.length;
      const check = (how: string, output: string, absentIsMasked: boolean): void => {
        const completed = complete(output);
        if (completed === undefined) return;
        let tree: unknown;
        try {
          tree = JSON.parse(completed);
        } catch {
          failures.push(`${how}: output is not JSON text\n  doc:    ${JSON.stringify(doc)}\n  output: ${JSON.stringify(output)}`);
          return;
        }
        const leaked = paths.filter((p) => !maskedAt(tree, p, absentIsMasked));
        if (leaked.length > 0) {
          failures.push(`${how}: ${JSON.stringify(leaked)} not masked\n  doc:    ${JSON.stringify(doc)}\n  output: ${JSON.stringify(output)}`);
        }
      };
      check('whole', masker.mask(doc).text, false);
      const cut = 1 + random(doc.length);
      check(`cut at ${cut}`, masker.mask(doc.slice(0, cut)).text, true);
      const cap = 1 + random(Buffer.byteLength(doc));
      const captured = captureContent(Buffer.from(doc), 'application/json', cap, masker).text;
      check(`capped at ${cap} bytes`, captured.replace(/…\[truncated, \d+ bytes\]$/, ''), true);
    }
    assert.deepEqual(failures, []);
    assert.ok(secrets > 1500, `the documents hold secrets (${secrets})`);
  });
});
