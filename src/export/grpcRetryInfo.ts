/**
 * The retry delay a collector attaches to a RESOURCE_EXHAUSTED answer. The OTLP spec
 * (protocol/exporter.md and otlp.md, "OTLP/gRPC Throttling") makes RESOURCE_EXHAUSTED retryable
 * only when the status carries a `google.rpc.RetryInfo` detail, whose `retry_delay` the client
 * should wait. gRPC sends the status's details as the serialised `google.rpc.Status`
 * in the `grpc-status-details-bin` trailer (gRPC's "Richer error model"); @grpc/grpc-js hands it
 * over as metadata, undecoded. The three messages read here are tiny and fixed
 * (googleapis: google/rpc/status.proto, google/protobuf/any.proto, google/rpc/error_details.proto,
 * google/protobuf/duration.proto), so they are walked with the protobuf wire format
 * (protobuf.dev, "Encoding") rather than loading a protobuf library into every service.
 */

/** Status.details (3) → Any.type_url (1) / Any.value (2) → RetryInfo.retry_delay (1) → Duration.seconds (1) / nanos (2). */
const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

type Field = { number: number; varint?: number; bytes?: Buffer };

/** The top-level fields of one protobuf message; undefined when the bytes are not one. */
function fields(message: Buffer): Field[] | undefined {
  const out: Field[] = [];
  let at = 0;
  const varint = (): number | undefined => {
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (at >= message.length) return undefined;
      const byte = message[at++] as number;
      value += (byte & 0x7f) * 2 ** shift; // not <<: int64 seconds exceed 32 bits
      if ((byte & 0x80) === 0) return value;
    }
    return undefined;
  };
  while (at < message.length) {
    const tag = varint();
    if (tag === undefined) return undefined;
    const number = Math.floor(tag / 8);
    switch (tag % 8) {
      case 0: {
        const value = varint();
        if (value === undefined) return undefined;
        out.push({ number, varint: value });
        break;
      }
      case 1: at += 8; break;
      case 5: at += 4; break;
      case 2: {
        const length = varint();
        if (length === undefined || at + length > message.length) return undefined;
        out.push({ number, bytes: message.subarray(at, at + length) });
        at += length;
        break;
      }
      default: return undefined; // groups (3, 4) are not used by these messages
    }
  }
  return at === message.length ? out : undefined;
}

/**
 * The RetryInfo delay in milliseconds found in a `grpc-status-details-bin` value, or undefined
 * when it carries none (then RESOURCE_EXHAUSTED is final). A RetryInfo without a delay reads 0.
 */
export function retryInfoDelayMillis(statusDetails: Buffer): number | undefined {
  for (const detail of fields(statusDetails) ?? []) {
    if (detail.number !== 3 || detail.bytes === undefined) continue;
    const any = fields(detail.bytes) ?? [];
    if (any.find((f) => f.number === 1)?.bytes?.toString('utf8') !== RETRY_INFO_TYPE) continue;
    const retryInfo = fields(any.find((f) => f.number === 2)?.bytes ?? Buffer.alloc(0)) ?? [];
    const duration = fields(retryInfo.find((f) => f.number === 1)?.bytes ?? Buffer.alloc(0)) ?? [];
    const seconds = duration.find((f) => f.number === 1)?.varint ?? 0;
    const nanos = duration.find((f) => f.number === 2)?.varint ?? 0;
    // A negative int64 is ten varint bytes (≥ 2^63): no sensible delay, so none.
    return seconds < 2 ** 53 ? seconds * 1000 + Math.floor(nanos / 1e6) : 0;
  }
  return undefined;
}
