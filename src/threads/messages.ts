/**
 * What a worker thread's automatic instrumentation hands to the main thread's
 * SDK: a finished span or an emitted log record, as plain data the structured
 * clone algorithm carries
 * (https://nodejs.org/api/worker_threads.html#portpostmessagevalue-transferlist),
 * read from the SDK's public ReadableSpan / ReadableLogRecord shapes and rebuilt
 * into them on the other side. Ids travel as they are, so a span made in a
 * worker keeps its place in its trace: its parent is the request span (or the
 * `traceparent` handed over with the job) it was started in.
 */
import {
  ROOT_CONTEXT, trace, type AnyValue, type Attributes, type HrTime, type Link, type LogRecord, type MetricOptions, type SeverityNumber,
  type SpanContext, type SpanKind, type SpanStatus,
} from '@opentelemetry/api';
import { TraceState, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';

/** `.v1`: a copy of the package with another message shape listens on another name (as events/workers.ts). */
export const TELEMETRY_CHANNEL = 'filament-otel.worker-telemetry.v1';

interface ContextData {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote?: boolean;
  traceState?: string;
}

export interface ScopeData {
  name: string;
  version?: string;
  schemaUrl?: string;
}

export interface SpanMessage {
  kind: 'span';
  name: string;
  spanKind: SpanKind;
  context: ContextData;
  parent?: ContextData;
  startTime: HrTime;
  endTime: HrTime;
  duration: HrTime;
  status: SpanStatus;
  attributes: Attributes;
  links: { context: ContextData; attributes?: Attributes; droppedAttributesCount?: number }[];
  events: TimedEvent[];
  scope: ScopeData;
  droppedAttributesCount: number;
  droppedEventsCount: number;
  droppedLinksCount: number;
}

export interface LogRecordMessage {
  kind: 'logRecord';
  scope: ScopeData;
  hrTime: HrTime;
  hrTimeObserved: HrTime;
  severityNumber?: SeverityNumber;
  severityText?: string;
  body?: AnyValue;
  eventName?: string;
  attributes: Attributes;
  context?: ContextData;
}

/** The synchronous instruments a worker's instrumentation records on (meters.ts). */
export type InstrumentType = 'counter' | 'upDownCounter' | 'histogram' | 'gauge';

export interface MeasurementMessage {
  kind: 'measurement';
  scope: ScopeData;
  instrument: InstrumentType;
  name: string;
  options?: MetricOptions;
  value: number;
  attributes?: Attributes;
}

export type TelemetryMessage = SpanMessage | LogRecordMessage | MeasurementMessage;

function contextData(sc: SpanContext): ContextData {
  const data: ContextData = { traceId: sc.traceId, spanId: sc.spanId, traceFlags: sc.traceFlags };
  if (sc.isRemote !== undefined) data.isRemote = sc.isRemote;
  // A TraceState is a class instance: its W3C header form is what clones.
  const state = sc.traceState?.serialize();
  if (state !== undefined && state !== '') data.traceState = state;
  return data;
}

function spanContext(data: ContextData): SpanContext {
  const sc: SpanContext = { traceId: data.traceId, spanId: data.spanId, traceFlags: data.traceFlags };
  if (data.isRemote !== undefined) sc.isRemote = data.isRemote;
  if (data.traceState !== undefined) sc.traceState = new TraceState(data.traceState);
  return sc;
}

function scopeData(scope: InstrumentationScope): ScopeData {
  const data: ScopeData = { name: scope.name };
  if (scope.version !== undefined) data.version = scope.version;
  if (scope.schemaUrl !== undefined) data.schemaUrl = scope.schemaUrl;
  return data;
}

export function spanMessage(span: ReadableSpan): SpanMessage {
  const message: SpanMessage = {
    kind: 'span',
    name: span.name,
    spanKind: span.kind,
    context: contextData(span.spanContext()),
    startTime: span.startTime,
    endTime: span.endTime,
    duration: span.duration,
    status: span.status,
    attributes: span.attributes,
    links: span.links.map((link: Link) => {
      const data: SpanMessage['links'][number] = { context: contextData(link.context) };
      if (link.attributes !== undefined) data.attributes = link.attributes;
      if (link.droppedAttributesCount !== undefined) data.droppedAttributesCount = link.droppedAttributesCount;
      return data;
    }),
    events: span.events,
    scope: scopeData(span.instrumentationScope),
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
  if (span.parentSpanContext !== undefined) message.parent = contextData(span.parentSpanContext);
  return message;
}

export function logRecordMessage(record: ReadableLogRecord): LogRecordMessage {
  const message: LogRecordMessage = {
    kind: 'logRecord',
    scope: scopeData(record.instrumentationScope),
    hrTime: record.hrTime,
    hrTimeObserved: record.hrTimeObserved,
    attributes: record.attributes,
  };
  if (record.severityNumber !== undefined) message.severityNumber = record.severityNumber;
  if (record.severityText !== undefined) message.severityText = record.severityText;
  if (record.body !== undefined) message.body = record.body;
  if (record.eventName !== undefined) message.eventName = record.eventName;
  if (record.spanContext !== undefined) message.context = contextData(record.spanContext);
  return message;
}

/** Scopes rebuilt once per name, version and schema: exporters group spans by scope. */
const scopes = new Map<string, InstrumentationScope>();
export function scope(data: ScopeData): InstrumentationScope {
  const key = `${data.name}\u0000${data.version ?? ''}\u0000${data.schemaUrl ?? ''}`;
  let found = scopes.get(key);
  if (found === undefined) {
    found = {
      name: data.name,
      ...(data.version !== undefined ? { version: data.version } : {}),
      ...(data.schemaUrl !== undefined ? { schemaUrl: data.schemaUrl } : {}),
    };
    scopes.set(key, found);
  }
  return found;
}

/** The ended span again, in the main thread's resource (one per process). */
export function readableSpan(message: SpanMessage, resource: Resource): ReadableSpan {
  const context = spanContext(message.context);
  const span: ReadableSpan = {
    name: message.name,
    kind: message.spanKind,
    spanContext: () => context,
    startTime: message.startTime,
    endTime: message.endTime,
    duration: message.duration,
    status: message.status,
    attributes: message.attributes,
    links: message.links.map((link) => {
      const rebuilt: Link = { context: spanContext(link.context) };
      if (link.attributes !== undefined) rebuilt.attributes = link.attributes;
      if (link.droppedAttributesCount !== undefined) rebuilt.droppedAttributesCount = link.droppedAttributesCount;
      return rebuilt;
    }),
    events: message.events,
    ended: true,
    resource,
    instrumentationScope: scope(message.scope),
    droppedAttributesCount: message.droppedAttributesCount,
    droppedEventsCount: message.droppedEventsCount,
    droppedLinksCount: message.droppedLinksCount,
    ...(message.parent !== undefined ? { parentSpanContext: spanContext(message.parent) } : {}),
  };
  return span;
}

/** The record to emit again through the main thread's logger of the same scope, with the worker's times and trace. */
export function logRecord(message: LogRecordMessage): { scope: InstrumentationScope; record: LogRecord } {
  const record: LogRecord = {
    timestamp: message.hrTime,
    observedTimestamp: message.hrTimeObserved,
    attributes: message.attributes,
    context: message.context !== undefined ? trace.setSpanContext(ROOT_CONTEXT, spanContext(message.context)) : ROOT_CONTEXT,
  };
  if (message.severityNumber !== undefined) record.severityNumber = message.severityNumber;
  if (message.severityText !== undefined) record.severityText = message.severityText;
  if (message.body !== undefined) record.body = message.body;
  if (message.eventName !== undefined) record.eventName = message.eventName;
  return { scope: scope(message.scope), record };
}
