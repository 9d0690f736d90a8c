/**
 * A collector's partial success (OTLP spec, "Partial Success": HTTP 200 whose
 * ExportLogsServiceResponse / ExportTraceServiceResponse /
 * ExportMetricsServiceResponse carries `partial_success.rejected_*` and an
 * `error_message`): the rejected items are lost, so they are handed to the
 * delivery ledger (counted as failed, said on stderr). Upstream's export
 * delegate only logs them through diag, which is silent by default.
 * The answer is decoded with the signal's own public serializer
 * (`ISerializer.deserializeResponse` of @opentelemetry/otlp-transformer: the
 * protobuf reader of opentelemetry/proto/collector/<signal>/v1/*_service.proto,
 * or JSON.parse for OTLP/JSON).
 */
import type { Attributes, Context, Counter, Meter, MeterProvider } from '@opentelemetry/api';
import type { ExportResponse, IExporterTransport } from '@opentelemetry/otlp-exporter-base';
import type { ISerializer } from '@opentelemetry/otlp-transformer';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';

/** Told how many items a collector rejected, with its message. */
export type RejectedListener = (count: number, message: string) => void;

/** The partial_success fields of any signal's response (proto3 JSON writes int64 as a string). */
interface PartialSuccess {
  rejectedLogRecords?: number | string | bigint;
  rejectedSpans?: number | string | bigint;
  rejectedDataPoints?: number | string | bigint;
  errorMessage?: string;
}

/** The rejected count and message of a decoded response, or undefined when nothing was rejected. */
export function rejectedIn(response: unknown): { count: number; message: string } | undefined {
  if (typeof response !== 'object' || response === null) return undefined;
  const partial = (response as { partialSuccess?: PartialSuccess }).partialSuccess;
  if (typeof partial !== 'object' || partial === null) return undefined;
  const raw = partial.rejectedLogRecords ?? partial.rejectedSpans ?? partial.rejectedDataPoints ?? 0;
  const count = Number(raw);
  if (!Number.isFinite(count) || count <= 0) return undefined;
  return { count, message: typeof partial.errorMessage === 'string' ? partial.errorMessage : '' };
}

export class PartialSuccessTransport implements IExporterTransport {
  constructor(
    private readonly inner: IExporterTransport,
    private readonly serializer: ISerializer<never, unknown>,
    private readonly onRejected: RejectedListener,
  ) {}

  async send(data: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
    const response = await this.inner.send(data, timeoutMillis);
    if (response.status === 'success' && response.data !== undefined && response.data.length > 0) {
      let rejected: { count: number; message: string } | undefined;
      try {
        rejected = rejectedIn(this.serializer.deserializeResponse(response.data));
      } catch {
        // Not a valid response message: upstream's delegate says so through diag; nothing to count.
      }
      if (rejected !== undefined) this.onRejected(rejected.count, rejected.message);
    }
    return response;
  }

  shutdown(): void {
    this.inner.shutdown();
  }
}

/**
 * Items a collector rejected, noted by the transport when the answer arrives and taken by the same
 * exporter's `otel.sdk.exporter.*.exported` counter when the export delegate records that export —
 * which it does right after the transport's promise resolves, in the same microtask run
 * (@opentelemetry/otlp-exporter-base 0.301, OTLPExportDelegate.export: `finishExport(undefined)`
 * in the `.then` of `transport.send`). One per exporter, so signals never mix.
 */
export class RejectionNotes {
  private pending = 0;

  note(count: number): void {
    this.pending += count;
  }

  /** Up to `max` noted rejections, removed from the notes. */
  take(max: number): number {
    const taken = Math.min(max, this.pending);
    this.pending -= taken;
    return taken;
  }
}

const EXPORTED = /^otel\.sdk\.exporter\.[a-z_]+\.exported$/;

/**
 * `real` with the SDK's own exporter counter (`otel.sdk.exporter.log_record.exported`,
 * `.span.exported`, `.metric_data_point.exported`) telling a partial success apart: the export
 * delegate records a successful answer as all items exported without error, but the semantic
 * conventions (otel.sdk.exporter.*.exported) say rejected items "MUST count as failed and only
 * non-rejected [items] count as success", with `error.type` `rejected` when no reason is
 * available — the collector's message is free text, so `rejected` is used. Only the public
 * MeterProvider / Meter / Counter interfaces are touched: the counter's `add` of such an export is
 * split into the items the collector kept and those it rejected (RejectionNotes).
 */
export function rejectionAwareMeterProvider(real: MeterProvider, notes: RejectionNotes): MeterProvider {
  return {
    getMeter(name, version, options): Meter {
      const meter = real.getMeter(name, version, options);
      return new Proxy(meter, {
        get(target, property, receiver) {
          if (property !== 'createCounter') return Reflect.get(target, property, receiver) as unknown;
          return (counterName: string, counterOptions?: object): Counter => {
            const counter = target.createCounter(counterName, counterOptions);
            if (!EXPORTED.test(counterName)) return counter;
            return {
              add(value: number, attributes?: Attributes, context?: Context): void {
                const rejected = attributes?.[ATTR_ERROR_TYPE] === undefined ? notes.take(value) : 0;
                if (value - rejected > 0) counter.add(value - rejected, attributes, context);
                if (rejected > 0) counter.add(rejected, { ...attributes, [ATTR_ERROR_TYPE]: 'rejected' }, context);
              },
            };
          };
        },
      });
    },
  };
}
