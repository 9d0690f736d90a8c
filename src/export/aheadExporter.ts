/**
 * An OTLP exporter that has a large batch written ahead, in slices between which the event loop runs
 * (protobuf/slicing.ts), before upstream's export delegate serialises it: the delegate's
 * `serializeRequest` is synchronous, so without this a batch of 512 would be written in one pause of
 * the service. A subclass of upstream's public OTLPExporterBase, as upstream's own exporters are.
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPExporterBase, type IOtlpExportDelegate } from '@opentelemetry/otlp-exporter-base';
import type { ISerializer } from '@opentelemetry/otlp-transformer';

/** Writes a batch ahead of its export, or says (undefined) that it is written at once. */
export type SerializeAhead<T> = (items: T) => Promise<void> | undefined;

export class AheadSerializingExporter<T> extends OTLPExporterBase<T> {
  constructor(delegate: IOtlpExportDelegate<T>, private readonly ahead: SerializeAhead<T>) {
    super(delegate);
  }

  override export(items: T, resultCallback: (result: ExportResult) => void): void {
    const ready = this.ahead(items);
    if (ready === undefined) {
      super.export(items, resultCallback);
      return;
    }
    ready.then(
      () => super.export(items, resultCallback),
      (error: unknown) => resultCallback({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) }),
    );
  }
}

/** What a serialiser may offer besides upstream's interface: Filament's protobuf serialisers write large batches ahead. */
interface MaybeAhead<T> {
  readonly serializeAhead?: SerializeAhead<T>;
}

/** Upstream's exporter over `delegate`, writing large batches ahead when `serializer` can (Filament's protobuf serialisers). */
export function otlpExporter<T>(delegate: IOtlpExportDelegate<T>, serializer: ISerializer<T, unknown> & MaybeAhead<T>): OTLPExporterBase<T> {
  if (serializer.serializeAhead === undefined) return new OTLPExporterBase<T>(delegate);
  return new AheadSerializingExporter<T>(delegate, (items) => serializer.serializeAhead?.(items));
}
