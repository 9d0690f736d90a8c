/**
 * ExportTraceServiceRequest from the SDK's ReadableSpan[]
 * (opentelemetry/proto/collector/trace/v1/trace_service.proto, trace/v1/trace.proto), written in
 * one pass (output.ts says why). The response is read by the official deserialiser.
 */
import type { Link, SpanContext } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import { ProtobufTraceSerializer as OfficialTraceSerializer } from '@opentelemetry/otlp-transformer';
import { attributes, RECORD, SMALL } from './common';
import { ProtobufOutput } from './output';
import { slicingSerializer, type SlicingSerializer } from './slicing';

const shared = new ProtobufOutput();

/** Span.flags / Link.flags: the W3C trace flags, and whether the parent (or linked) context is remote (trace.proto, SpanFlags). */
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | HAS_IS_REMOTE | (isRemote === true ? IS_REMOTE : 0);
}

/** Fields 1 trace_id, 2 span_id and 3 trace_state, as both Span and Span.Link begin. */
function identity(out: ProtobufOutput, context: SpanContext): void {
  out.byte(0x0a);
  out.hexBytes(context.traceId);
  out.byte(0x12);
  out.hexBytes(context.spanId);
  const traceState = context.traceState?.serialize();
  if (traceState) {
    out.byte(0x1a);
    out.string(traceState);
  }
}

/** A Span.Event message (its tag already written). */
function event(out: ProtobufOutput, value: TimedEvent): void {
  const start = out.begin(SMALL);
  out.byte(0x09); // 1 time_unix_nano
  out.hrTime(value.time);
  out.byte(0x12); // 2 name
  out.string(value.name);
  if (value.attributes) attributes(out, 0x1a, value.attributes); // 3 attributes
  out.byte(0x20); // 4 dropped_attributes_count
  out.uint32(value.droppedAttributesCount || 0);
  out.end(start, SMALL);
}

/** A Span.Link message (its tag already written). */
function link(out: ProtobufOutput, value: Link): void {
  const start = out.begin(SMALL);
  const context: SpanContext = value.context;
  identity(out, context);
  if (value.attributes) attributes(out, 0x22, value.attributes); // 4 attributes
  out.byte(0x28); // 5 dropped_attributes_count
  out.uint32(value.droppedAttributesCount || 0);
  out.byte(0x35); // 6 flags
  out.fixed32(spanFlags(context.traceFlags, context.isRemote));
  out.end(start, SMALL);
}

/** A Span message (its tag already written). */
function span(out: ProtobufOutput, value: ReadableSpan): void {
  const start = out.begin(RECORD);
  const context = value.spanContext();
  identity(out, context);
  const parent = value.parentSpanContext;
  if (parent?.spanId) {
    out.byte(0x22); // 4 parent_span_id
    out.hexBytes(parent.spanId);
  }
  out.byte(0x2a); // 5 name
  out.string(value.name);
  // SpanKind is the API's enum plus one (0 is SPAN_KIND_UNSPECIFIED, left out).
  const kind = value.kind == null ? 0 : value.kind + 1;
  if (kind !== 0) {
    out.byte(0x30); // 6 kind
    out.uint32(kind);
  }
  out.byte(0x39); // 7 start_time_unix_nano
  out.hrTime(value.startTime);
  out.byte(0x41); // 8 end_time_unix_nano
  out.hrTime(value.endTime);
  if (value.attributes) attributes(out, 0x4a, value.attributes); // 9 attributes
  out.byte(0x50); // 10 dropped_attributes_count
  out.uint32(value.droppedAttributesCount);
  for (const e of value.events) {
    out.byte(0x5a); // 11 events
    event(out, e);
  }
  out.byte(0x60); // 12 dropped_events_count
  out.uint32(value.droppedEventsCount);
  for (const l of value.links) {
    out.byte(0x6a); // 13 links
    link(out, l);
  }
  out.byte(0x70); // 14 dropped_links_count
  out.uint32(value.droppedLinksCount);
  out.byte(0x7a); // 15 status (Status: 2 message, 3 code)
  const status = out.begin(SMALL);
  if (value.status.message) {
    out.byte(0x12);
    out.string(value.status.message);
  }
  out.byte(0x18);
  out.uint32(value.status.code);
  out.end(status, SMALL);
  out.byte(0x85); // 16 flags: a two-byte tag
  out.byte(0x01);
  out.fixed32(spanFlags(context.traceFlags, parent?.isRemote));
  out.end(start, RECORD);
}

/** Filament's OTLP protobuf serialiser for spans: an ISerializer as the SDK's exporters take it, that can write a large batch ahead in slices. */
export const ProtobufTraceSerializer: SlicingSerializer<ReadableSpan> = slicingSerializer(
  shared, span, (data: Uint8Array) => OfficialTraceSerializer.deserializeResponse(data));
