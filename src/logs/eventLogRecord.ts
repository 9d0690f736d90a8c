/**
 * A record of Filament's own events as the logger provider's processors receive it
 * (sdk-logs' public `ReadWriteLogRecord`), built from values our event builders
 * already made primitive. The SDK's own record (sdk-logs LogRecordImpl) runs every
 * value through core's `maybeAddAttribute` — an options object per value, `isAnyValue`,
 * a copy — and reaches every field through an accessor; for the ADR's records that is
 * about 18 k instructions each on Node 24 (docs/benchmarks.md, "Cheaper records"). Here a string, number or boolean is stored as it is, and
 * anything else takes core's `maybeAddAttribute`, the SDK's own rule, so what a processor
 * and an exporter read is what LogRecordImpl would hold: the same attributes, the same
 * limits, `droppedAttributesCount`, millisecond timestamps, the span context only when valid.
 */
import { diag, isSpanContextValid, trace, type AnyValue, type Attributes, type Context, type HrTime, type LogRecord, type SeverityNumber, type SpanContext } from '@opentelemetry/api';
import { AddAttributeDecision, maybeAddAttribute, millisToHrTime, timeInputToHrTime, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadWriteLogRecord } from '@opentelemetry/sdk-logs';

/** sdk-logs' `LogRecordLimits` with both limits decided (the provider is given the same object: src/sdk.ts). */
export interface RecordLimits {
  readonly attributeCountLimit: number;
  readonly attributeValueLengthLimit: number;
}

export class EventLogRecord implements ReadWriteLogRecord {
  hrTime: HrTime;
  hrTimeObserved: HrTime;
  spanContext: SpanContext | undefined;
  severityText: string | undefined;
  severityNumber: SeverityNumber | undefined;
  body: AnyValue | undefined;
  eventName: string | undefined;
  droppedAttributesCount = 0;
  readonly attributes: Attributes = {};
  private attributesCount = 0;
  private emitted = false;

  constructor(
    readonly resource: Resource,
    readonly instrumentationScope: InstrumentationScope,
    private readonly limits: RecordLimits,
    record: LogRecord,
    context: Context,
  ) {
    // As LogRecordImpl: a missing time is now, in milliseconds; observed defaults to the same now.
    const now = record.timestamp === undefined || record.observedTimestamp === undefined ? millisToHrTime(Date.now()) : undefined;
    this.hrTime = record.timestamp === undefined ? now as HrTime : timeInputToHrTime(record.timestamp);
    this.hrTimeObserved = record.observedTimestamp === undefined ? now as HrTime : timeInputToHrTime(record.observedTimestamp);
    const spanContext = trace.getSpanContext(context);
    this.spanContext = spanContext !== undefined && isSpanContextValid(spanContext) ? spanContext : undefined;
    this.severityNumber = record.severityNumber;
    this.severityText = record.severityText;
    this.body = record.body;
    this.eventName = record.eventName;
    const attributes = record.attributes;
    if (attributes !== undefined) this.addAll(attributes);
    if (record.exception !== undefined) diag.warn('filament-otel: an exception on an event record is not recorded');
  }

  /** The fast store for primitive values within the limits; everything else through the SDK's rule. */
  private addAll(attributes: Attributes): void {
    const { attributeCountLimit, attributeValueLengthLimit } = this.limits;
    const plainStrings = attributeValueLengthLimit === Infinity;
    const out = this.attributes;
    // One object's keys, each once (an empty record to start from): none is already there. for-in, not
    // Object.entries: no array per record; our emitters' attributes are plain literals (and a worker's, a
    // structured clone), whose enumerable keys are their own.
    for (const key in attributes) {
      const value = attributes[key];
      if (value === undefined) continue;
      const type = typeof value;
      if (
        this.attributesCount < attributeCountLimit && key.length > 0
        && (type === 'number' || type === 'boolean' || (type === 'string' && plainStrings))
      ) {
        out[key] = value;
        this.attributesCount++;
      } else {
        this.setAttribute(key, value);
      }
    }
  }

  setAttribute(key: string, value?: AnyValue): this {
    if (this.isReadonly()) return this;
    const decision = maybeAddAttribute({
      key, value, attributes: this.attributes, limits: this.limits, currentAttributesCount: this.attributesCount,
    });
    if (decision === AddAttributeDecision.DROP_LIMIT_REACHED) {
      if (++this.droppedAttributesCount === 1) diag.warn('Dropping extra attributes.');
    } else if (decision === AddAttributeDecision.ADD_NEW) {
      this.attributesCount++;
    }
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key of Object.keys(attributes)) this.setAttribute(key, attributes[key]);
    return this;
  }

  setBody(body: AnyValue): this {
    if (!this.isReadonly()) this.body = body;
    return this;
  }

  setEventName(eventName: string): this {
    if (!this.isReadonly()) this.eventName = eventName;
    return this;
  }

  setSeverityNumber(severityNumber: SeverityNumber): this {
    if (!this.isReadonly()) this.severityNumber = severityNumber;
    return this;
  }

  setSeverityText(severityText: string): this {
    if (!this.isReadonly()) this.severityText = severityText;
    return this;
  }

  /** After the processors' onEmit: a processor that keeps the record may only read it (sdk-logs Logger.emit). */
  makeReadonly(): void {
    this.emitted = true;
  }

  private isReadonly(): boolean {
    if (this.emitted) diag.warn('Can not execute the operation on emitted log record');
    return this.emitted;
  }
}
