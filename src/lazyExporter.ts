/**
 * Exporters whose packages are `require`d when the first batch leaves, not at
 * start-up: the OTLP exporters, their transformer and transport are about a
 * quarter of the modules the preload would otherwise load before the app's
 * first line runs (docs/benchmarks.md, start-up).
 */
import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  AggregationTemporality, AggregationType, InstrumentType,
  type AggregationOption, type PushMetricExporter, type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';

interface AnyExporter<T> {
  export(items: T, resultCallback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

export class LazyExporter<T, E extends AnyExporter<T>> {
  private real: E | undefined;
  private failed = false;

  constructor(private readonly create: () => E) {}

  protected exporter(): E | undefined {
    if (this.real === undefined && !this.failed) {
      try {
        this.real = this.create();
      } catch (error) {
        // Reported once; the batches are dropped, the host keeps running.
        this.failed = true;
        diag.error('filament-otel: the exporter could not be created', error);
      }
    }
    return this.real;
  }

  export(items: T, resultCallback: (result: ExportResult) => void): void {
    const real = this.exporter();
    if (real === undefined) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('filament-otel: no exporter') });
      return;
    }
    real.export(items, resultCallback);
  }

  shutdown(): Promise<void> {
    return this.real?.shutdown() ?? Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return this.real?.forceFlush?.() ?? Promise.resolve();
  }
}

type TemporalitySelector = (type: InstrumentType) => AggregationTemporality;

/**
 * The OTLP metric exporters' temporality preference
 * (OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE), decided here because the
 * SDK asks for it when instruments are created, long before the first export.
 * Same mapping as @opentelemetry/exporter-metrics-otlp-* (a unit test compares).
 */
export function temporalitySelectorFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalitySelector {
  const preference = (env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE ?? '').trim().toLowerCase();
  if (preference === 'delta') {
    return (type) => (type === InstrumentType.UP_DOWN_COUNTER || type === InstrumentType.OBSERVABLE_UP_DOWN_COUNTER
      ? AggregationTemporality.CUMULATIVE : AggregationTemporality.DELTA);
  }
  if (preference === 'lowmemory') {
    return (type) => (type === InstrumentType.COUNTER || type === InstrumentType.HISTOGRAM
      ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE);
  }
  return () => AggregationTemporality.CUMULATIVE;
}

const DEFAULT_AGGREGATION: AggregationOption = Object.freeze({ type: AggregationType.DEFAULT });

export class LazyMetricExporter extends LazyExporter<ResourceMetrics, PushMetricExporter> implements PushMetricExporter {
  private readonly temporality = temporalitySelectorFromEnv();

  selectAggregationTemporality(type: InstrumentType): AggregationTemporality {
    return this.temporality(type);
  }

  selectAggregation(_type: InstrumentType): AggregationOption {
    return DEFAULT_AGGREGATION;
  }
}
