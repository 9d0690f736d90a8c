/**
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
 * What changes: for ASCII strings the same bytes are produced by one loop that
 * calls `String.prototype.charCodeAt` directly (no lookup on the string, so
 * nothing to go megamorphic) and checks and copies in one pass. Any string
 * with a character above U+007F is handed to the package's own method, so
 * non-ASCII text is encoded by the SDK's code as before. The output is the
 * SDK's byte for byte (test/protobuf-strings.test.ts compares whole export
 * requests); only the work per character changes.
 */
import { ProtobufSizeEstimator } from '@opentelemetry/otlp-transformer/build/src/common/protobuf/protobuf-size-estimator';
import { ProtobufWriter } from '@opentelemetry/otlp-transformer/build/src/common/protobuf/protobuf-writer';
import { estimateVarintSize } from '@opentelemetry/otlp-transformer/build/src/common/protobuf/utils';

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

const charCodeAt = String.prototype.charCodeAt;
const kOriginal = Symbol.for('filament-otel.protobufStrings.original');
type Patched = WriteString & { [kOriginal]?: WriteString };

function asciiWriter(original: WriteString): WriteString {
  return function writeString(this: WriterInternals, str: string): void {
    const len = str.length;
    const start = this.pos;
    // Written as if ASCII (one byte per character); undone below at the first other character.
    this.writeVarint(len);
    this._ensureCapacity(len);
    const buffer = this._buffer;
    let pos = this.pos;
    for (let i = 0; i < len; i++) {
      const c = charCodeAt.call(str, i);
      if (c > 127) {
        this.pos = start;
        original.call(this as never, str);
        return;
      }
      buffer[pos++] = c;
    }
    this.pos = pos;
  };
}

function asciiEstimator(original: WriteString): WriteString {
  return function writeString(this: EstimatorInternals, str: string): void {
    const len = str.length;
    for (let i = 0; i < len; i++) {
      if (charCodeAt.call(str, i) > 127) {
        original.call(this as never, str);
        return;
      }
    }
    this.pos += estimateVarintSize(len) + len;
  };
}

function patch(proto: { writeString: WriteString }, make: (original: WriteString) => WriteString): void {
  const current = proto.writeString as Patched;
  if (current[kOriginal] !== undefined) return;
  const patched = make(current) as Patched;
  patched[kOriginal] = current;
  proto.writeString = patched;
}

function unpatch(proto: { writeString: WriteString }): void {
  const original = (proto.writeString as Patched)[kOriginal];
  if (original !== undefined) proto.writeString = original;
}

type Proto = { writeString: WriteString };
const writerProto = ProtobufWriter.prototype as unknown as Proto;
const estimatorProto = ProtobufSizeEstimator.prototype as unknown as Proto;

/**
 * Installs the ASCII fast path (once; idempotent). Returns false, changing
 * nothing, when the serialiser does not have the shape this was written for.
 */
export function installProtobufStrings(): boolean {
  const probe = new ProtobufWriter(1) as unknown as Partial<WriterInternals>;
  if (typeof writerProto.writeString !== 'function' || typeof estimatorProto.writeString !== 'function'
    || typeof probe.pos !== 'number' || !(probe._buffer instanceof Uint8Array)
    || typeof probe.writeVarint !== 'function' || typeof probe._ensureCapacity !== 'function') {
    return false;
  }
  patch(writerProto, asciiWriter);
  patch(estimatorProto, asciiEstimator);
  return true;
}

/** Puts the package's own methods back (tests compare both). */
export function uninstallProtobufStrings(): void {
  unpatch(writerProto);
  unpatch(estimatorProto);
}
