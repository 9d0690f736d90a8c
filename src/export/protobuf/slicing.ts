/**
 * A serialiser that can write a large batch ahead of its export, a slice at a time with a turn of the
 * event loop between two slices (common.ts, exportRequestInSlices), so that a batch of 512 pauses the
 * service no longer than one of 128 did, and leaves in one request instead of four (docs/benchmarks.md,
 * "Export batches of 512, serialised in slices"). Upstream's export delegate serialises synchronously:
 * the exporter (../aheadExporter.ts) calls serializeAhead first, and serializeRequest then returns the
 * bytes written ahead for that very batch.
 */
import type { ISerializer } from '@opentelemetry/otlp-transformer';
import { exportRequest, exportRequestInSlices, type Grouped, type ItemWriter } from './common';
import { ProtobufOutput } from './output';

/**
 * Spans or records written between two turns of the event loop: the export batch Filament used before
 * (its pause on the pricing route's p99 was measured then: docs/settings.md).
 */
export const SERIALISE_SLICE = 128;

export interface SlicingSerializer<T> extends ISerializer<T[], unknown> {
  /**
   * For a batch of more than SERIALISE_SLICE items: writes its request in slices and keeps the bytes for
   * serializeRequest(items) of the same array. Undefined for a smaller batch (written at once, later).
   */
  serializeAhead(items: T[]): Promise<void> | undefined;
}

/** A SlicingSerializer writing each item with `item`; requests written at once go into `shared`. */
export function slicingSerializer<T extends Grouped>(
  shared: ProtobufOutput, item: ItemWriter<T>, deserializeResponse: (data: Uint8Array) => unknown,
): SlicingSerializer<T> {
  // By the batch's array: an export that never asks for its bytes (abandoned at a stop) leaves nothing behind.
  const ahead = new WeakMap<readonly T[], Uint8Array>();
  // The buffer batches are written ahead into, reused as `shared` is: a buffer per batch was a few hundred
  // KiB of memory outside the heap each time, which V8 answers with full collections.
  let idle: ProtobufOutput | undefined;
  async function writeAhead(items: T[]): Promise<void> {
    // Made at the first large batch; another batch written ahead meanwhile (exports run one at a time: hardly ever) gets one of its own.
    const out = idle ?? new ProtobufOutput();
    idle = undefined;
    try {
      ahead.set(items, await exportRequestInSlices(out, items, item, SERIALISE_SLICE));
    } finally {
      idle = out;
    }
  }
  return {
    serializeRequest(items: T[]): Uint8Array {
      const bytes = ahead.get(items);
      if (bytes === undefined) return exportRequest(shared, items, item);
      ahead.delete(items);
      return bytes;
    },
    serializeAhead(items: T[]): Promise<void> | undefined {
      return items.length <= SERIALISE_SLICE ? undefined : writeAhead(items);
    },
    deserializeResponse,
  };
}
