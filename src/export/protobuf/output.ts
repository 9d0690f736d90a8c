/**
 * The byte buffer Filament's OTLP protobuf serialisers write into, in one pass.
 *
 * Why our own (docs/benchmarks.md, "Filament's own OTLP protobuf serialiser"): the official serialiser
 * (@opentelemetry/otlp-transformer 0.301) walks every request twice — once to measure it, once to
 * write it — writes each tag through a varint routine, allocates a Uint8Array per trace and span id,
 * and reads every string character through `str.charCodeAt`, which goes megamorphic in a service. It
 * was the largest item of the queue path's profile after the sockets. Here each request is written
 * once into a buffer reused from one request to the next; only the finished bytes are copied out.
 *
 * Wire format: https://protobuf.dev/programming-guides/encoding/. The output is the official
 * serialiser's byte for byte (test/protobuf-serializer.test.ts): the same fields in the same order,
 * lengths as the shortest varint.
 */

/** Two to the 32nd: the split of 64-bit values into two 32-bit halves. */
const TWO_32 = 4294967296;
/** The buffer a serialiser starts with, and keeps between requests unless one made it larger than KEEP_AT_MOST. */
const INITIAL_SIZE = 64 * 1024;
const KEEP_AT_MOST = 1024 * 1024;

/** Bytes of a varint for a length or count (0 … 2^32 − 1). */
function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/** Node's UTF-8 length of a string (a lone surrogate counts as U+FFFD, as TextEncoder writes it). */
const byteLength = Buffer.byteLength;
/**
 * Node's UTF-8 encoder into a Buffer at an offset, returning the bytes written (never a partial
 * character). `utf8Write` is what `buf.write(str, offset, length, 'utf8')` calls, without the
 * argument parsing; `write` where a Node lacks it.
 */
const utf8Write: (this: Buffer, str: string, offset: number, length: number) => number =
  (Buffer.prototype as unknown as { utf8Write?: (this: Buffer, str: string, offset: number, length: number) => number }).utf8Write
  ?? function write(this: Buffer, str: string, offset: number, length: number): number { return this.write(str, offset, length, 'utf8'); };

/**
 * Below this length a JavaScript loop over the characters costs fewer instructions than one call
 * into Node's encoder (measured on Node 26 with bench/instructions.mjs).
 */
const WRITE_LOOP_BELOW = 16;

/**
 * Value of each hexadecimal digit by character code, as the official serialiser reads ids (0-9, a-f,
 * A-F; a trace or span id has been validated by the API before it gets here).
 */
const HEX = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (c >= 48 && c <= 57) HEX[c] = c - 48;
  else if (c >= 97 && c <= 102) HEX[c] = c - 87;
  else HEX[c] = (c - 55) & 0x0f;
}

/** 32 bits little-endian at `pos` (Buffer's writeUInt32LE checks its arguments first: a cost per call on this path). */
function putUint32(buf: Buffer, pos: number, value: number): void {
  buf[pos] = value & 0xff;
  buf[pos + 1] = (value >>> 8) & 0xff;
  buf[pos + 2] = (value >>> 16) & 0xff;
  buf[pos + 3] = (value >>> 24) & 0xff;
}

/** A varint of 0 … 2^32 − 1 at `pos`; returns the position after it. */
function putVarint32(buf: Buffer, pos: number, value: number): number {
  let v = value >>> 0;
  while (v > 127) {
    buf[pos++] = (v & 127) | 128;
    v >>>= 7;
  }
  buf[pos] = v;
  return pos + 1;
}

export class ProtobufOutput {
  buf: Buffer = Buffer.allocUnsafeSlow(INITIAL_SIZE);
  pos = 0;

  /** Starts a request (the buffer of the last one is reused). */
  reset(): void {
    this.pos = 0;
  }

  /** The request's bytes, copied out (the exporter may hold them through retries while the next request is written). */
  finish(): Uint8Array {
    const out = new Uint8Array(this.pos);
    out.set(this.buf.subarray(0, this.pos));
    if (this.buf.length > KEEP_AT_MOST) this.buf = Buffer.allocUnsafeSlow(INITIAL_SIZE);
    this.pos = 0;
    return out;
  }

  /** Room for `size` more bytes. */
  ensure(size: number): void {
    const needed = this.pos + size;
    if (needed <= this.buf.length) return;
    let length = this.buf.length * 2;
    while (length < needed) length *= 2;
    const grown = Buffer.allocUnsafeSlow(length);
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** One byte: a tag of a field below 16, a small count. */
  byte(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value;
  }

  /** A varint of 0 … 2^32 − 1 (lengths, counts, enums). */
  uint32(value: number): void {
    this.ensure(5);
    this.pos = putVarint32(this.buf, this.pos, value);
  }

  /** An int64 varint of an integral number (negative: ten bytes of two's complement). */
  int64(value: number): void {
    if (value >= 0 && value <= 0xffffffff) {
      this.uint32(value);
      return;
    }
    const abs = Math.abs(value);
    let low = abs % TWO_32;
    let high = Math.floor(abs / TWO_32) % TWO_32;
    if (value < 0) {
      low = (~low >>> 0) + 1;
      high = ~high >>> 0;
      if (low === TWO_32) {
        low = 0;
        high = (high + 1) >>> 0;
      }
    }
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    while (high > 0 || low > 127) {
      buf[pos++] = (low & 127) | 128;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    buf[pos++] = low;
    this.pos = pos;
  }

  /** A fixed32, little-endian. */
  fixed32(value: number): void {
    this.ensure(4);
    putUint32(this.buf, this.pos, value);
    this.pos += 4;
  }

  /** A double, little-endian. */
  double(value: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  /**
   * An HrTime ([seconds, nanoseconds]) as fixed64 nanoseconds. seconds × 10^9 exceeds 2^53, so the
   * sum is built from parts that are each exact in a double: seconds split at 2^16. No `%` on a
   * double here: V8 compiles it to a call into its runtime (the profile showed it).
   */
  hrTime(time: readonly [number, number]): void {
    const seconds = time[0] >>> 0; // before 2106
    const upper = (seconds >>> 16) * 1e9; // × 2^16 below; < 2^46
    const lower = (seconds & 0xffff) * 1e9 + time[1]; // < 2^47
    const upperHigh = Math.floor(upper / 65536);
    const lowerHigh = Math.floor(lower / TWO_32);
    let low = (upper - upperHigh * 65536) * 65536 + (lower - lowerHigh * TWO_32);
    let high = upperHigh + lowerHigh;
    if (low >= TWO_32) {
      low -= TWO_32;
      high += 1;
    }
    this.ensure(8);
    putUint32(this.buf, this.pos, low);
    putUint32(this.buf, this.pos + 4, high);
    this.pos += 8;
  }

  /** A trace or span id given in hex, as bytes (length-delimited). */
  hexBytes(hex: string): void {
    const length = hex.length >>> 1;
    this.ensure(length + 1);
    const buf = this.buf;
    let pos = this.pos;
    buf[pos++] = length; // ids are 8 or 16 bytes: a one-byte length
    for (let i = 0; i < 2 * length; i += 2) {
      buf[pos++] = (HEX[String.prototype.charCodeAt.call(hex, i) & 0x7f] as number) << 4 | (HEX[String.prototype.charCodeAt.call(hex, i + 1) & 0x7f] as number);
    }
    this.pos = pos;
  }

  /** Raw bytes, length-delimited. */
  bytes(value: Uint8Array): void {
    this.uint32(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /**
   * A string as UTF-8, length-delimited. The loops call `String.prototype.charCodeAt.call(str, i)`
   * spelled out: V8 then inlines it whatever the string's internal representation; through
   * `str.charCodeAt` the lookup goes megamorphic in a service.
   */
  string(str: string): void {
    const len = str.length;
    const start = this.pos;
    if (len < WRITE_LOOP_BELOW) {
      // Written as if ASCII (one byte a character, a one-byte length); undone at the first other character.
      this.ensure(len + 1);
      const buf = this.buf;
      let pos = start + 1;
      let i = 0;
      for (; i < len; i++) {
        const c = String.prototype.charCodeAt.call(str, i);
        if (c > 127) break;
        buf[pos++] = c;
      }
      if (i === len) {
        buf[start] = len;
        this.pos = pos;
        return;
      }
      const bytes = byteLength(str);
      this.uint32(bytes);
      this.ensure(bytes);
      utf8Write.call(this.buf, str, this.pos, bytes);
      this.pos += bytes;
      return;
    }
    // One native call, after room for the length as if ASCII, with room for the worst case (three
    // bytes a character) so that nothing is cut short; more bytes than characters: not ASCII, and
    // the text moves if its length needs a longer varint.
    const room = varintSize(len);
    this.ensure(room + 3 * len + 5);
    const bytes = utf8Write.call(this.buf, str, start + room, 3 * len);
    const size = varintSize(bytes);
    if (size !== room) this.buf.copyWithin(start + size, start + room, start + room + bytes);
    this.pos = start;
    this.uint32(bytes);
    this.pos += bytes;
  }

  /**
   * Starts a length-delimited message: `reserve` bytes are left for its length (the varint size it
   * most likely needs). Returns where the message starts, for end().
   */
  begin(reserve: number): number {
    this.ensure(reserve);
    const start = this.pos;
    this.pos += reserve;
    return start;
  }

  /** Ends the message begun at `start` with `reserve`: writes its length there, moving the message if the length needs another size. */
  end(start: number, reserve: number): void {
    const length = this.pos - start - reserve;
    const size = varintSize(length);
    if (size !== reserve) {
      if (size > reserve) this.ensure(size - reserve);
      this.buf.copyWithin(start + size, start + reserve, this.pos);
      this.pos += size - reserve;
    }
    putVarint32(this.buf, start, length);
  }
}
