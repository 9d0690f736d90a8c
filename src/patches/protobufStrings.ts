/**
 * PATCH of a private path (docs/benchmarks.md, "Instructions per request"):
 * @opentelemetry/otlp-transformer 0.301.x (SUPPORTED below) — the `writeString`
 * methods of its internal ProtobufWriter and ProtobufSizeEstimator, reached by
 * file path beside the package's entry point (its exports map has only ".").
 * Any other version, or another shape, and this is a no-op: the serialiser
 * runs unchanged (test/protobuf-strings.test.ts fails when the shape changes).
 * In dist/preload-bundle.js otlp-transformer is bundled: scripts/bundle.mjs names the
 * bundled copy's two files by path at build time (the virtual module required
 * below), so the classes patched are the ones the bundle's exporters use.
 *
 * A cheaper string path for the official OTLP protobuf serialiser
 * (@opentelemetry/otlp-transformer), installed on its writer and size
 * estimator when an OTLP/protobuf exporter is first created.
 *
 * Why: every attribute key and string value of every span and log record goes
 * through `ProtobufSizeEstimator.writeString` (UTF-8 length) and
 * `ProtobufWriter.writeString` (ASCII check, then copy), each a loop of
 * `str.charCodeAt(i)`. In a service those loops see strings of many internal
 * representations (internalised literals, concatenations, slices of a URL or
 * header), so V8's inline cache for the `charCodeAt` lookup goes megamorphic
 * and every character costs a generic property lookup: the largest single item
 * of the pricing route's and the queue path's instruction profiles
 * (docs/benchmarks.md, "Instructions per request").
 *
 * What changes: short ASCII strings are checked and copied by one loop that
 * calls `String.prototype.charCodeAt` directly (no lookup on the string, so
 * nothing to go megamorphic); longer ones are written by one call of Node's
 * native UTF-8 encoder (`utf8Write`) and measured by `Buffer.byteLength`,
 * which encode as the SDK's TextEncoder does, lone surrogates included
 * (U+FFFD). The estimator's sizes become exact. The output is the SDK's byte
 * for byte (test/protobuf-strings.test.ts compares strings of every kind and
 * whole export requests); only the work per character changes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The otlp-transformer versions whose writer and estimator have the shape this was written (and measured) for. */
export const SUPPORTED = /^0\.301\.\d+$/;

/** The serialiser's internal classes (the tests compare their output with and without the patch). */
export interface SerializerInternals {
  version: string;
  ProtobufWriter: new (estimatedSize?: number) => { writeString(str: string): void; finish(): Uint8Array };
  ProtobufSizeEstimator: new () => { writeString(str: string): void; pos: number };
}

let loaded: SerializerInternals | null | undefined;

/** Resolved by scripts/bundle.mjs in dist/preload-bundle.js only; elsewhere (tsc's output, the tests) it does not exist. */
const BUNDLED_INTERNALS = 'filament-otel:otlp-transformer-internals';

/** The bundled copy's writer and estimator (null: not found at build time), or undefined outside the bundle. */
function bundledInternals(): SerializerInternals | null | undefined {
  try {
    // A literal require, for the bundler.
    return require('filament-otel:otlp-transformer-internals') as SerializerInternals | null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((error as Error).message).includes(BUNDLED_INTERNALS)) return undefined;
    return null;
  }
}

/** The installed otlp-transformer's writer and estimator, or null when it is not a supported version or shape. */
export function serializerInternals(): SerializerInternals | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  const bundled = bundledInternals();
  if (bundled !== undefined) {
    if (bundled !== null && SUPPORTED.test(bundled.version)
      && typeof bundled.ProtobufWriter === 'function' && typeof bundled.ProtobufSizeEstimator === 'function') loaded = bundled;
    return loaded;
  }
  try {
    const entry = require.resolve('@opentelemetry/otlp-transformer'); // <package>/dist/index.cjs
    const { version } = JSON.parse(fs.readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
    if (!SUPPORTED.test(version)) return null;
    const dir = path.join(path.dirname(entry), 'common', 'protobuf');
    const { ProtobufWriter } = require(path.join(dir, 'protobuf-writer.cjs')) as Pick<SerializerInternals, 'ProtobufWriter'>;
    const { ProtobufSizeEstimator } = require(path.join(dir, 'protobuf-size-estimator.cjs')) as Pick<SerializerInternals, 'ProtobufSizeEstimator'>;
    if (typeof ProtobufWriter !== 'function' || typeof ProtobufSizeEstimator !== 'function') return null;
    loaded = { version, ProtobufWriter, ProtobufSizeEstimator };
  } catch {
    // Not installed where we look: nothing patched.
  }
  return loaded;
}

/** Bytes of a protobuf varint (the serialiser's own estimateVarintSize, for lengths below 2^32). */
function estimateVarintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

// `this` is the writer or the estimator, narrowed in each replacement.
type WriteString = (this: never, str: string) => void;

/** The writer's private state, as the pinned version has it (a unit test fails if an upgrade changes it). */
interface WriterInternals {
  pos: number;
  _buffer: Uint8Array;
  writeVarint(value: number): void;
  _ensureCapacity(size: number): void;
}
interface EstimatorInternals {
  pos: number;
}

/** Node's UTF-8 length of a string (replaces lone surrogates with U+FFFD, as TextEncoder does). */
const byteLength = Buffer.byteLength;
/** Node's native UTF-8 encoder, called on the writer's Uint8Array (it takes any byte view); returns the bytes written. */
const utf8Write = (Buffer.prototype as unknown as { utf8Write(this: Uint8Array, str: string, offset: number, length: number): number }).utf8Write;
/**
 * Below these lengths a JavaScript loop over the characters costs fewer
 * instructions than one call into Node's encoder (measured on Node 26 with
 * bench/instructions.mjs; docs/benchmarks.md, "Instructions per request").
 */
const WRITE_LOOP_BELOW = 16;
const MEASURE_LOOP_BELOW = 12;
const kOriginal = Symbol.for('filament-otel.protobufStrings.original');
type Patched = WriteString & { [kOriginal]?: WriteString };

// The loops call `String.prototype.charCodeAt.call(str, i)` spelled out: V8 then inlines
// charCodeAt whatever the string's representation. Through `str.charCodeAt` the lookup
// goes megamorphic in a service; through a saved reference the call is not inlined.

function writerString(this: WriterInternals, str: string): void {
  const len = str.length;
  const start = this.pos;
  if (len < WRITE_LOOP_BELOW) {
    // Written as if ASCII (one byte per character); undone at the first other character.
    this.writeVarint(len);
    this._ensureCapacity(len);
    const buffer = this._buffer;
    let pos = this.pos;
    let i = 0;
    for (; i < len; i++) {
      const c = String.prototype.charCodeAt.call(str, i);
      if (c > 127) break;
      buffer[pos++] = c;
    }
    if (i === len) {
      this.pos = pos;
      return;
    }
    this.pos = start;
  } else {
    // One native call for an ASCII string: encoded after room for its length as if
    // ASCII. With room for the worst case (3 bytes a character) nothing can be cut
    // short, so as many bytes as characters means every character was ASCII.
    const room = estimateVarintSize(len);
    this._ensureCapacity(room + len);
    const buffer = this._buffer;
    const available = buffer.length - start - room;
    if (available >= 3 * len && utf8Write.call(buffer, str, start + room, available) === len) {
      this.writeVarint(len);
      this.pos += len;
      return;
    }
  }
  const bytes = byteLength(str);
  this.writeVarint(bytes);
  this._ensureCapacity(bytes);
  utf8Write.call(this._buffer, str, this.pos, bytes);
  this.pos += bytes;
}

function estimatorString(this: EstimatorInternals, str: string): void {
  const len = str.length;
  let bytes = len;
  if (len >= MEASURE_LOOP_BELOW) {
    bytes = byteLength(str);
  } else {
    for (let i = 0; i < len; i++) {
      if (String.prototype.charCodeAt.call(str, i) > 127) {
        bytes = byteLength(str);
        break;
      }
    }
  }
  this.pos += estimateVarintSize(bytes) + bytes;
}

function patch(proto: { writeString: WriteString }, replacement: WriteString): void {
  const current = proto.writeString as Patched;
  if (current[kOriginal] !== undefined) return;
  const patched = replacement as Patched;
  patched[kOriginal] = current;
  proto.writeString = patched;
}

function unpatch(proto: { writeString: WriteString }): void {
  const original = (proto.writeString as Patched)[kOriginal];
  if (original !== undefined) proto.writeString = original;
}

type Proto = { writeString: WriteString };

/**
 * Installs the ASCII fast path (once; idempotent). Returns false, changing
 * nothing, when the serialiser is not a supported version or does not have the
 * shape this was written for.
 */
export function installProtobufStrings(): boolean {
  const internals = serializerInternals();
  if (internals === null) return false;
  const writerProto = internals.ProtobufWriter.prototype as unknown as Proto;
  const estimatorProto = internals.ProtobufSizeEstimator.prototype as unknown as Proto;
  const probe = new internals.ProtobufWriter(1) as unknown as Partial<WriterInternals>;
  if (typeof writerProto.writeString !== 'function' || typeof estimatorProto.writeString !== 'function'
    || typeof probe.pos !== 'number' || !(probe._buffer instanceof Uint8Array)
    || typeof probe.writeVarint !== 'function' || typeof probe._ensureCapacity !== 'function') {
    return false;
  }
  patch(writerProto, writerString as WriteString);
  patch(estimatorProto, estimatorString as WriteString);
  return true;
}

/** Puts the package's own methods back (tests compare both). */
export function uninstallProtobufStrings(): void {
  const internals = serializerInternals();
  if (internals === null) return;
  unpatch(internals.ProtobufWriter.prototype as unknown as Proto);
  unpatch(internals.ProtobufSizeEstimator.prototype as unknown as Proto);
}
