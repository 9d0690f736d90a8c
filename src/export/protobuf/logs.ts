/**
 * ExportLogsServiceRequest from the SDK's ReadableLogRecord[]
 * (opentelemetry/proto/collector/logs/v1/logs_service.proto, logs/v1/logs.proto), written in one
 * pass (output.ts says why). The response is read by the official deserialiser.
 */
import { SeverityNumber } from '@opentelemetry/api-logs';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { ProtobufLogsSerializer as OfficialLogsSerializer } from '@opentelemetry/otlp-transformer';
import { anyValue, attributes, RECORD, SMALL } from './common';
import { ProtobufOutput } from './output';
import { slicingSerializer, type SlicingSerializer } from './slicing';

const shared = new ProtobufOutput();

/** A LogRecord message (its tag already written). */
function logRecord(out: ProtobufOutput, record: ReadableLogRecord): void {
  const start = out.begin(RECORD);
  out.byte(0x09); // 1 time_unix_nano
  out.hrTime(record.hrTime);
  if (record.severityNumber !== undefined && record.severityNumber !== SeverityNumber.UNSPECIFIED) {
    out.byte(0x10); // 2 severity_number
    out.uint32(record.severityNumber);
  }
  if (record.severityText) {
    out.byte(0x1a); // 3 severity_text
    out.string(record.severityText);
  }
  if (record.body !== undefined) {
    out.byte(0x2a); // 5 body
    const body = out.begin(SMALL);
    anyValue(out, record.body);
    out.end(body, SMALL);
  }
  if (record.attributes) attributes(out, 0x32, record.attributes); // 6 attributes
  out.byte(0x38); // 7 dropped_attributes_count
  out.uint32(record.droppedAttributesCount);
  const context = record.spanContext;
  if (context !== undefined) {
    if (context.traceFlags) {
      out.byte(0x45); // 8 flags
      out.fixed32(context.traceFlags);
    }
    if (context.traceId) {
      out.byte(0x4a); // 9 trace_id
      out.hexBytes(context.traceId);
    }
    if (context.spanId) {
      out.byte(0x52); // 10 span_id
      out.hexBytes(context.spanId);
    }
  }
  out.byte(0x59); // 11 observed_time_unix_nano
  out.hrTime(record.hrTimeObserved);
  if (record.eventName) {
    out.byte(0x62); // 12 event_name
    out.string(record.eventName);
  }
  out.end(start, RECORD);
}

/** Filament's OTLP protobuf serialiser for log records: an ISerializer as the SDK's exporters take it, that can write a large batch ahead in slices. */
export const ProtobufLogsSerializer: SlicingSerializer<ReadableLogRecord> = slicingSerializer(
  shared, logRecord, (data: Uint8Array) => OfficialLogsSerializer.deserializeResponse(data));
