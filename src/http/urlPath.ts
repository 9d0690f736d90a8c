/**
 * What a SERVER span exports as `url.path`: the request's path masked like free-text content and
 * capped. The semantic conventions' note on `url.path`: "Sensitive content provided in `url.path`
 * SHOULD be scrubbed when instrumentations can identify it" (@opentelemetry/semantic-conventions,
 * ATTR_URL_PATH); a request
 * path is as untrusted as a message body — an e-mail address, a reset token or a 15 000-character
 * path is the client's to choose.
 */
import { MASK, type Masker } from '../masking';

/**
 * The exported `url.path` is at most this long, its truncation marker included: the 1024
 * characters an attribute keeps as a searchable keyword in the index templates of
 * `filament setup` (`ignore_above: 1024`, src/setup/opensearch.ts) — a longer value would be
 * stored but not found.
 */
export const MAX_URL_PATH_CHARS = 1024;
export const URL_PATH_TRUNCATED = '…[truncated]';
/** How far past the cap masking reads, so a value straddling the cap is recognised whole. */
const LOOKAHEAD = 1024;

/** `%XX` decoded as a URL reader shows it; a malformed sequence decodes its ASCII escapes only. */
function percentDecoded(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path.replace(/%([0-7][0-9A-Fa-f])/g, (_all, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  }
}

/**
 * A segment that can name a value: 2 – 64 letters and `_ - .`, a letter first. Not digits: a
 * segment with digits is an id (`ORD-2026-000123`), new in every request, and deciding on it would
 * cost a request a key decision (~1 µs) and fill the masker's cache of decided keys.
 */
function isKeyLike(path: string, start: number, end: number): boolean {
  if (end - start < 2 || end - start > 64) return false;
  const first = path.charCodeAt(start);
  if (!((first >= 97 && first <= 122) || (first >= 65 && first <= 90))) return false;
  for (let i = start + 1; i < end; i++) {
    const c = path.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 45 || c === 46)) return false;
  }
  return true;
}

/**
 * Whether no free-text rule can match: only letters, digits and `/ _ . - ~`, fewer than 13 digits
 * (a card number's least). The e-mail, phone, credential, JSON, header, auth-scheme and key=value
 * rules each need a character outside that set (`@ + " : space =`), so most paths skip Masker.mask.
 */
function plainPath(path: string): boolean {
  let digits = 0;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 47 || c === 95 || c === 46 || c === 45 || c === 126) continue;
    if (c >= 48 && c <= 57 && ++digits < 13) continue;
    return false;
  }
  return true;
}

/**
 * A path's `key/value`: the segment after a segment that is a sensitive key (`/token/abc`,
 * `/reset-password/8f14e45f…`, `/users/7/api-key/k-1`) is masked — the path's form of `key=value`.
 */
function maskKeyedSegments(path: string, masker: Masker): { text: string; masked: number } {
  let out = '';
  let last = 0;
  let masked = 0;
  let start = path.charCodeAt(0) === 47 ? 1 : 0;
  while (start < path.length) {
    let end = path.indexOf('/', start);
    if (end === -1) break; // the last segment names nothing after it
    if (isKeyLike(path, start, end) && masker.isSensitiveKey(path.slice(start, end))) {
      const valueStart = end + 1;
      let valueEnd = path.indexOf('/', valueStart);
      if (valueEnd === -1) valueEnd = path.length;
      if (valueEnd > valueStart && !path.startsWith(MASK, valueStart)) {
        out += path.slice(last, valueStart) + MASK;
        last = valueEnd;
        masked++;
      }
      end = valueEnd;
    }
    start = end + 1;
  }
  return masked === 0 ? { text: path, masked } : { text: out + path.slice(last), masked };
}

/**
 * `path` (without its query) as exported: masked first — the free-text rules of captured content
 * (e-mail addresses, phone and card numbers, credentials, `;key=value`) and keyed segments, read on
 * the percent-decoded path so that `bob%40example.org` is an e-mail too — then capped at
 * MAX_URL_PATH_CHARS with URL_PATH_TRUNCATED at the cut. A path with nothing masked keeps its
 * encoding; a masked one is exported decoded.
 */
export function exportedUrlPath(path: string, masker: Masker): string {
  const source = path.indexOf('%') === -1 ? path : percentDecoded(path);
  const windowed = source.length > MAX_URL_PATH_CHARS + LOOKAHEAD;
  const window = windowed ? source.slice(0, MAX_URL_PATH_CHARS + LOOKAHEAD) : source;
  const free = plainPath(window) ? { text: window, masked: 0 } : masker.mask(window);
  const keyed = maskKeyedSegments(free.text, masker);
  let text = keyed.text;
  if (free.masked + keyed.masked === 0) text = source === path ? window : path;
  if (!windowed && text.length <= MAX_URL_PATH_CHARS) return text;
  let cut = MAX_URL_PATH_CHARS - URL_PATH_TRUNCATED.length;
  // Never half a [MASKED] (cut before it) nor half a surrogate pair.
  const open = text.lastIndexOf('[', cut - 1);
  if (open !== -1 && open > cut - MASK.length && text.startsWith(MASK, open)) cut = open;
  const before = text.charCodeAt(cut - 1);
  if (before >= 0xd800 && before <= 0xdbff) cut--;
  return text.slice(0, cut) + URL_PATH_TRUNCATED;
}
