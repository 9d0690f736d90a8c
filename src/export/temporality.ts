import { AggregationTemporality, InstrumentType } from '@opentelemetry/sdk-metrics';
import type { TemporalityPreference } from '../config';

export type TemporalitySelector = (type: InstrumentType) => AggregationTemporality;

/**
 * The OTLP metric exporters' temporality preference
 * (OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, read by config.ts),
 * decided here because the SDK asks for it when instruments are created, long
 * before the first export. Same mapping as @opentelemetry/exporter-metrics-otlp-*
 * (a unit test compares).
 */
export function temporalitySelector(preference: TemporalityPreference): TemporalitySelector {
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
