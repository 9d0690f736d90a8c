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
import type { ExportResponse, IExporterTransport } from '@opentelemetry/otlp-exporter-base';
import type { ISerializer } from '@opentelemetry/otlp-transformer';

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
