/**
 * The lazily loaded OTLP metric exporter (lazyExporter.ts) that answers the SDK's
 * temporality and aggregation questions itself: the SDK asks them when instruments are
 * created, long before the first export loads the real exporter.
 */
import {
  AggregationType, type AggregationOption, type AggregationTemporality, type InstrumentType,
  type PushMetricExporter, type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { TemporalityPreference } from '../config';
import { LazyExporter } from './lazyExporter';
import type { StopSignal } from './stopSignal';
import { temporalitySelector, type TemporalitySelector } from './temporality';

const DEFAULT_AGGREGATION: AggregationOption = Object.freeze({ type: AggregationType.DEFAULT });

export class LazyMetricExporter extends LazyExporter<ResourceMetrics, PushMetricExporter> implements PushMetricExporter {
  private readonly temporality: TemporalitySelector;

  constructor(create: () => PushMetricExporter, preference: TemporalityPreference, stop?: StopSignal) {
    super(create, stop);
    this.temporality = temporalitySelector(preference);
  }

  selectAggregationTemporality(type: InstrumentType): AggregationTemporality {
    return this.temporality(type);
  }

  selectAggregation(_type: InstrumentType): AggregationOption {
    return DEFAULT_AGGREGATION;
  }
}
