/**
 * The instrumentations' own metrics in a worker thread (`http.server.request.duration`,
 * `http.client.request.duration`, …): the worker's meter provider is one of the
 * API's interface only, whose synchronous instruments hand each measurement to
 * the main thread, where the same instrument of the main thread's meter
 * provider (same scope, name and options) records it — so the main thread's
 * readers aggregate and export it with its own, under the process's resource.
 *
 * Observable instruments are not carried: their callbacks would run in the
 * worker at the main thread's collection, which no channel can wait for. The
 * instrumentations Filament loads in a worker record on synchronous ones only
 * (the runtime and host metrics, observable, stay the main thread's: sdk.ts).
 */
import {
  createNoopMeter,
  type Attributes, type Counter, type Gauge, type Histogram, type Meter, type MeterOptions, type MeterProvider,
  type MetricOptions, type UpDownCounter,
} from '@opentelemetry/api';
import { scope, type InstrumentType, type MeasurementMessage, type ScopeData } from './messages';

/** What posts a measurement (forwarding.ts's TelemetrySender). */
export type PostMeasurement = (build: () => MeasurementMessage) => void;

/** Worker thread: a MeterProvider whose synchronous instruments post their measurements. */
export function forwardingMeterProvider(post: PostMeasurement): MeterProvider {
  const noop = createNoopMeter();
  return {
    getMeter(name: string, version?: string, options?: MeterOptions): Meter {
      const scopeData: ScopeData = { name };
      if (version !== undefined) scopeData.version = version;
      if (options?.schemaUrl !== undefined) scopeData.schemaUrl = options.schemaUrl;
      const record = (instrument: InstrumentType, metric: string, metricOptions: MetricOptions | undefined) =>
        (value: number, attributes?: Attributes): void => post(() => {
          const message: MeasurementMessage = { kind: 'measurement', scope: scopeData, instrument, name: metric, value };
          if (metricOptions !== undefined) message.options = metricOptions;
          if (attributes !== undefined) message.attributes = attributes;
          return message;
        });
      return {
        createCounter: (metric, o): Counter => ({ add: record('counter', metric, o) }),
        createUpDownCounter: (metric, o): UpDownCounter => ({ add: record('upDownCounter', metric, o) }),
        createHistogram: (metric, o): Histogram => ({ record: record('histogram', metric, o) }),
        createGauge: (metric, o): Gauge => ({ record: record('gauge', metric, o) }),
        createObservableCounter: (metric, o) => noop.createObservableCounter(metric, o),
        createObservableUpDownCounter: (metric, o) => noop.createObservableUpDownCounter(metric, o),
        createObservableGauge: (metric, o) => noop.createObservableGauge(metric, o),
        addBatchObservableCallback: () => undefined,
        removeBatchObservableCallback: () => undefined,
      };
    },
  };
}

type Recorder = (value: number, attributes?: Attributes) => void;

/** Main thread: records each worker's measurement on the same instrument of `meterProvider`. */
export function measurementTaker(meterProvider: MeterProvider): (message: MeasurementMessage) => void {
  const instruments = new Map<string, Recorder>();
  return (message) => {
    if (typeof message.value !== 'number' || typeof message.name !== 'string') return;
    const s = scope(message.scope);
    const key = `${s.name}\u0000${s.version ?? ''}\u0000${message.instrument}\u0000${message.name}`;
    let recorder = instruments.get(key);
    if (recorder === undefined) {
      const meter = meterProvider.getMeter(s.name, s.version, s.schemaUrl !== undefined ? { schemaUrl: s.schemaUrl } : undefined);
      switch (message.instrument) {
        case 'counter': { const c = meter.createCounter(message.name, message.options); recorder = (v, a) => c.add(v, a); break; }
        case 'upDownCounter': { const c = meter.createUpDownCounter(message.name, message.options); recorder = (v, a) => c.add(v, a); break; }
        case 'histogram': { const h = meter.createHistogram(message.name, message.options); recorder = (v, a) => h.record(v, a); break; }
        case 'gauge': { const g = meter.createGauge(message.name, message.options); recorder = (v, a) => g.record(v, a); break; }
        default: return;
      }
      instruments.set(key, recorder);
    }
    recorder(message.value, message.attributes);
  };
}
