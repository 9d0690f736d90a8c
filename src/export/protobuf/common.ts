/**
 * The messages every OTLP signal shares (opentelemetry/proto/common/v1/common.proto and
 * resource/v1/resource.proto): AnyValue, KeyValue, InstrumentationScope, Resource; and the grouping
 * of a batch by resource and scope that every request starts with.
 *
 * Field order, and what is left out, as the official serialiser (otlp-transformer 0.301) writes them:
 * the two must produce the same bytes (test/protobuf-serializer.test.ts).
 */
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ProtobufOutput } from './output';

/** Reserved length bytes: a key-value or value is mostly under 128 bytes, a record or span under 16 KiB, a group under 2 MiB. */
export const SMALL = 1;
export const RECORD = 2;
export const GROUP = 3;

const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;
const hasOwn = Object.prototype.hasOwnProperty;

/** An attribute or log body value, as the SDK hands it over (validated by the SDK before it gets here). */
type Value = unknown;

/** The AnyValue message's fields for `value` (without its own tag and length). Values of no OTLP type write nothing, as upstream. */
export function anyValue(out: ProtobufOutput, value: Value): void {
  const type = typeof value;
  if (type === 'string') {
    out.byte(0x0a); // 1 string_value
    out.string(value as string);
  } else if (type === 'boolean') {
    out.byte(0x10); // 2 bool_value
    out.byte(value === true ? 1 : 0);
  } else if (type === 'number') {
    const n = value as number;
    if (Number.isInteger(n) && n >= MIN_INT64 && n < MAX_INT64) {
      out.byte(0x18); // 3 int_value
      out.int64(n);
    } else {
      out.byte(0x21); // 4 double_value
      out.double(n);
    }
  } else if (value instanceof Uint8Array) {
    out.byte(0x3a); // 7 bytes_value
    out.bytes(value);
  } else if (Array.isArray(value)) {
    out.byte(0x2a); // 5 array_value (ArrayValue: 1 repeated AnyValue)
    const array = out.begin(SMALL);
    for (let i = 0; i < value.length; i++) {
      out.byte(0x0a);
      const item = out.begin(SMALL);
      anyValue(out, value[i]);
      out.end(item, SMALL);
    }
    out.end(array, SMALL);
  } else if (type === 'object' && value !== null) {
    out.byte(0x32); // 6 kvlist_value (KeyValueList: 1 repeated KeyValue)
    const list = out.begin(SMALL);
    const object = value as Record<string, Value>;
    for (const key in object) {
      if (!hasOwn.call(object, key)) continue;
      out.byte(0x0a);
      keyValue(out, key, object[key]);
    }
    out.end(list, SMALL);
  }
}

/** A KeyValue message (length-delimited; its tag already written). */
function keyValue(out: ProtobufOutput, key: string, value: Value): void {
  const kv = out.begin(SMALL);
  out.byte(0x0a); // 1 key
  out.string(key);
  out.byte(0x12); // 2 value
  const inner = out.begin(SMALL);
  anyValue(out, value);
  out.end(inner, SMALL);
  out.end(kv, SMALL);
}

/** Each own attribute as a KeyValue in the field whose (one-byte) tag is given. */
export function attributes(out: ProtobufOutput, tag: number, values: Readonly<Record<string, Value>>): void {
  for (const key in values) {
    if (!hasOwn.call(values, key)) continue;
    out.byte(tag);
    keyValue(out, key, values[key]);
  }
}

/** What the SDK's scope objects carry beyond core's InstrumentationScope type (read as upstream reads them). */
type Scope = InstrumentationScope & { readonly attributes?: Readonly<Record<string, Value>>; readonly droppedAttributesCount?: number };

/** An InstrumentationScope message in field 1 (name, version, attributes, dropped count). */
function scope(out: ProtobufOutput, value: Scope): void {
  out.byte(0x0a);
  const start = out.begin(SMALL);
  out.byte(0x0a);
  out.string(value.name);
  if (value.version) {
    out.byte(0x12);
    out.string(value.version);
  }
  if (value.attributes) attributes(out, 0x1a, value.attributes);
  if (value.droppedAttributesCount) {
    out.byte(0x20);
    out.uint32(value.droppedAttributesCount);
  }
  out.end(start, SMALL);
}

/** A Resource message in field 1 (its attributes; dropped count 0). */
function resource(out: ProtobufOutput, value: Resource): void {
  out.byte(0x0a);
  const start = out.begin(RECORD);
  if (value.attributes) attributes(out, 0x0a, value.attributes);
  out.byte(0x10);
  out.byte(0);
  out.end(start, RECORD);
}

/** A schema URL in field 3 of a ResourceX or ScopeX message, when there is one. */
function schemaUrl(out: ProtobufOutput, url: string | undefined): void {
  if (!url) return;
  out.byte(0x1a);
  out.string(url);
}

/** Items grouped by resource, then scope, by identity, in the order first met (as upstream groups them). */
function byResourceAndScope<T extends { readonly resource: Resource; readonly instrumentationScope: InstrumentationScope }>(
  items: readonly T[],
): Map<Resource, Map<InstrumentationScope, T[]>> {
  const groups = new Map<Resource, Map<InstrumentationScope, T[]>>();
  for (const item of items) {
    let scopes = groups.get(item.resource);
    if (scopes === undefined) {
      scopes = new Map();
      groups.set(item.resource, scopes);
    }
    const list = scopes.get(item.instrumentationScope);
    if (list === undefined) scopes.set(item.instrumentationScope, [item]);
    else list.push(item);
  }
  return groups;
}

/** A span or log record: what groups it. */
export interface Grouped {
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
}

/** Writes one span or log record (its tag already written) into `out`. */
export type ItemWriter<T> = (out: ProtobufOutput, value: T) => void;

/**
 * An Export{Trace,Logs}ServiceRequest: field 1 a Resource{Spans,Logs} per resource, holding field 1 the
 * resource, field 2 a Scope{Spans,Logs} per scope (field 1 the scope, field 2 each item written by
 * `item`, field 3 the scope's schema URL), field 3 the resource's schema URL. The two signals' messages
 * have the same shape (trace.proto, logs.proto). Yields after every `slice` items (never, for Infinity),
 * where the request may be left half written and continued later: lengths are written when a message
 * ends.
 */
function* requestWriter<T extends Grouped>(out: ProtobufOutput, items: readonly T[], item: ItemWriter<T>, slice: number): Generator<void, void, void> {
  let written = 0;
  for (const [res, scopes] of byResourceAndScope(items)) {
    out.byte(0x0a);
    const resourceGroup = out.begin(GROUP);
    resource(out, res);
    for (const list of scopes.values()) {
      const first = (list[0] as T).instrumentationScope;
      out.byte(0x12);
      const scopeGroup = out.begin(GROUP);
      scope(out, first);
      for (const value of list) {
        out.byte(0x12);
        item(out, value);
        if (++written === slice) {
          written = 0;
          yield;
        }
      }
      schemaUrl(out, first.schemaUrl);
      out.end(scopeGroup, GROUP);
    }
    schemaUrl(out, res.schemaUrl);
    out.end(resourceGroup, GROUP);
  }
}

/** The request's bytes, written at once (requestWriter). */
export function exportRequest<T extends Grouped>(out: ProtobufOutput, items: readonly T[], item: ItemWriter<T>): Uint8Array {
  out.reset();
  requestWriter(out, items, item, Infinity).next();
  return out.finish();
}

/** One turn of the event loop: what is waiting for it (requests, timers, I/O) runs first. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The same request's bytes, written `slice` items at a time with a turn of the event loop between two
 * slices, into `out`, which nothing else may use until the promise settles (the shared buffer of the
 * requests written at once may be used meanwhile). The bytes are exportRequest's.
 */
export async function exportRequestInSlices<T extends Grouped>(
  out: ProtobufOutput, items: readonly T[], item: ItemWriter<T>, slice: number,
): Promise<Uint8Array> {
  out.reset();
  const writer = requestWriter(out, items, item, slice);
  while (!writer.next().done) await nextTurn();
  return out.finish();
}
