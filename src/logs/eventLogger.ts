/**
 * The logger Filament's own events are emitted through when the preload started
 * the SDK: it hands each record, as an EventLogRecord, to the logger provider's
 * processors in their order — what sdk-logs' Logger.emit does through its
 * MultiLogRecordProcessor — without the SDK's per-value validation, which our
 * event builders made unnecessary (eventLogRecord.ts says what it keeps).
 *
 * What sdk-logs' Logger does besides, and why it is not needed here:
 * - a LoggerConfigurator (enabled, minimum severity, trace-based): the preload
 *   configures none, so every Filament logger is enabled at every severity;
 * - `otel.sdk.log.created`: the preload's LoggerProvider is given no meter provider,
 *   so the SDK counts nothing there (the batch processors' own counts, which
 *   delivery.ts reads, are kept: every record still goes through them);
 * - records after the provider's shutdown are dropped: emitLogRecord stops
 *   before this logger at the same moment (events/runtime.ts, kStopped), and a
 *   batch processor ignores what it is given after its own shutdown.
 */
import { context as api, type Context, type Logger, type LogRecord } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { globals, kStopped } from '../symbols';
import { EventLogRecord, type RecordLimits } from './eventLogRecord';

export class EventLogger implements Logger {
  private readonly scope: InstrumentationScope;

  constructor(
    private readonly processors: readonly LogRecordProcessor[],
    private readonly resource: Resource,
    private readonly limits: RecordLimits,
    name: string,
    version: string,
  ) {
    // One object for every record: exporters group records by the scope's identity.
    this.scope = { name, version };
  }

  emit(record: LogRecord): void {
    const context: Context = record.context ?? api.active();
    const logRecord = new EventLogRecord(this.resource, this.scope, this.limits, record, context);
    for (const processor of this.processors) processor.onEmit(logRecord, context);
    logRecord.makeReadonly();
  }

  enabled(): boolean {
    return this.processors.length > 0 && globals[kStopped] !== true;
  }
}
