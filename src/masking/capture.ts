/**
 * Turns untrusted bytes (queue message bodies, error messages) into text that is
 * safe to export: capped, binary marked instead of dumped, invalid UTF-8
 * replaced, PII and secrets masked. Runs only where a value is exported, never
 * on a request path that does not emit.
 */
import { countMasks, keepMaskWhole, MASK_LOOKAHEAD, type Masker } from './masker';

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


const TEXT_TYPES = /^(text\/|application\/(json|xml|x-www-form-urlencoded|csv|yaml|x-ndjson|[a-z.+-]*\+json|[a-z.+-]*\+xml))/i;
const BINARY_TYPES = /^(application\/(octet-stream|zip|gzip|x-protobuf|protobuf|pdf|vnd\.ms-)|image\/|audio\/|video\/|model\/)/i;

/**
 * What a declared content type says: binary, text, or nothing (the bytes decide). A service sends
 * the same few types in every message, so each is decided once rather than by two regex tests per
 * message (bounded: a client choosing a new type per message cannot grow the map).
 */
const BINARY = 1;
const TEXT = 0;
const UNDECLARED = -1;
const declaredKinds = new Map<string, number>();
const MAX_DECLARED_KINDS = 256;

function declaredKind(contentType: string): number {
  let kind = declaredKinds.get(contentType);
  if (kind === undefined) {
    kind = BINARY_TYPES.test(contentType) ? BINARY : TEXT_TYPES.test(contentType) ? TEXT : UNDECLARED;
    if (declaredKinds.size >= MAX_DECLARED_KINDS) declaredKinds.clear();
    declaredKinds.set(contentType, kind);
  }
  return kind;
}

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
  const declared = contentType === undefined ? UNDECLARED : declaredKind(contentType);
  const binary = declared === UNDECLARED ? looksBinary(buf) : declared === BINARY;
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
