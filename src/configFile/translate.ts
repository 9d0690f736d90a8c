/**
 * A parsed declarative configuration (file_format 1.x, @opentelemetry/configuration's
 * ConfigurationModel) turned into what Filament's own reader takes: the OTEL_* /
 * FILAMENT_* variables readConfig (src/config.ts) validates, each remembered with
 * the file path it came from, plus what has no variable of its own (OTLP
 * headers, compression, timeout; typed resource attributes).
 *
 * What the file may say is what Filament applies; anything else in the SDK
 * sections (a Zipkin exporter, a b3 propagator, views, limits, …) is an error
 * naming its path, never silently dropped: the service then starts with
 * telemetry off rather than with settings the file did not ask for.
 * The model: https://opentelemetry.io/docs/specs/otel-config/types/ and
 * sdk-node's create-from-config.ts, whose interpretation this follows.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type {
  ConfigurationModel, LogRecordProcessorConfigModel, MetricReaderConfigModel, SamplerConfigModel,
  SpanProcessorConfigModel,
} from '@opentelemetry/configuration';
import type { OtlpFileSettings, ResourceAttributeValue, Signal } from '../config';

/** A path into the file: `['tracer_provider', 'processors', 0, 'batch']`. */
export type FilePath = readonly (string | number)[];

/** A valid file that asks for what Filament does not do, or a value Filament rejects. */
export class ConfigFileError extends Error {
  constructor(readonly path: FilePath, message: string) {
    super(message);
  }
}

export interface Translation {
  /** OTEL_* and FILAMENT_* variables for readConfig. */
  readonly variables: Record<string, string>;
  /** Where each variable came from in the file. */
  readonly origins: Map<string, FilePath>;
  readonly otlp: Partial<Record<Signal, OtlpFileSettings>>;
  readonly resourceAttributes: Record<string, ResourceAttributeValue>;
}

type ConfigurationApi = Pick<typeof import('@opentelemetry/configuration'),
  'mergeHeadersConfig' | 'mergePropagatorCompositeConfig' | 'mergeResourceAttributesConfig'>;

type Props = Record<string, unknown>;

export const pathText = (path: FilePath): string =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');

/** Fails on any key of `props` Filament does not apply (sdk-node warns and drops them: checkConfigUse). */
function onlyKeys(path: FilePath, props: unknown, handled: readonly string[]): void {
  if (props === null || props === undefined || typeof props !== 'object') return;
  for (const key of Object.keys(props)) {
    if (!handled.includes(key) && (props as Props)[key] !== undefined) {
      throw new ConfigFileError([...path, key], `is not applied by Filament (it applies: ${handled.join(', ') || 'nothing here'})`);
    }
  }
}

/** The one entry of a one-of node (`{ batch: {…} }`), as the schema's minProperties/maxProperties 1 say. */
function single(path: FilePath, node: object): [string, Props] {
  const entries = Object.entries(node).filter(([, v]) => v !== undefined);
  if (entries.length !== 1) throw new ConfigFileError(path, 'must have exactly one entry');
  const [name, value] = entries[0] as [string, unknown];
  return [name, (value ?? {}) as Props];
}

const SIGNAL_VARIABLE: Record<Signal, string> = { traces: 'TRACES', metrics: 'METRICS', logs: 'LOGS' };

class Translator {
  readonly variables: Record<string, string> = {};
  readonly origins = new Map<string, FilePath>();
  readonly otlp: Partial<Record<Signal, OtlpFileSettings>> = {};
  resourceAttributes: Record<string, ResourceAttributeValue> = {};

  constructor(private readonly api: ConfigurationApi) {}

  set(variable: string, value: string | number | boolean | null | undefined, path: FilePath): void {
    if (value === null || value === undefined) return;
    this.variables[variable] = String(value);
    this.origins.set(variable, path);
  }

  /** One exporter: `otlp` (its protocol, endpoint and settings recorded) or `console`. */
  exporter(signal: Signal, path: FilePath, node: object): 'otlp' | 'console' {
    const [name, props] = single(path, node);
    const at = [...path, name];
    if (name === 'console') {
      onlyKeys(at, props, []);
      return 'console';
    }
    if (name !== 'otlp_http' && name !== 'otlp_grpc') {
      throw new ConfigFileError(at, 'is not an exporter Filament ships (otlp_http, otlp_grpc, console)');
    }
    if (this.otlp[signal] !== undefined) throw new ConfigFileError(at, `is a second OTLP exporter for ${signal}; Filament runs one per signal`);
    const common = ['endpoint', 'headers', 'headers_list', 'compression', 'timeout'];
    const metricOnly = signal === 'metrics' ? ['temporality_preference'] : [];
    onlyKeys(at, props, name === 'otlp_http' ? [...common, 'encoding', 'tls', ...metricOnly] : [...common, ...metricOnly]);
    const variable = SIGNAL_VARIABLE[signal];
    const protocol = name === 'otlp_grpc' ? 'grpc' : props.encoding === 'json' ? 'http/json' : 'http/protobuf';
    this.set(`OTEL_EXPORTER_OTLP_${variable}_PROTOCOL`, protocol, [...at, 'encoding']);
    // A signal's endpoint in the file is the full URL (`…/v1/traces`), as the signal-specific variable is.
    this.set(`OTEL_EXPORTER_OTLP_${variable}_ENDPOINT`, props.endpoint as string | undefined, [...at, 'endpoint']);
    if (signal === 'metrics' && props.temporality_preference !== undefined && props.temporality_preference !== null) {
      // The schema spells it low_memory; the variable lowmemory.
      this.set('OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE', String(props.temporality_preference).replace('_', ''), [...at, 'temporality_preference']);
    }
    const timeout = props.timeout as number | null | undefined;
    // 0 means "no limit" in the schema; the SDK's exporters cannot do that (sdk-node rejects it too, issue 6617).
    if (timeout === 0) throw new ConfigFileError([...at, 'timeout'], 'of 0 (no limit) is not supported');
    const headers = this.api.mergeHeadersConfig(
      props.headers as Parameters<ConfigurationApi['mergeHeadersConfig']>[0], props.headers_list as string | null | undefined) ?? {};
    if (name === 'otlp_grpc' && Object.keys(headers).length > 0) {
      throw new ConfigFileError([...at, 'headers'], 'are not supported by Filament over gRPC; use otlp_http');
    }
    this.otlp[signal] = {
      headers,
      compression: props.compression === 'gzip' ? 'gzip' : 'none',
      // The exporters' default (otlp-exporter-base), as when the variable is unset.
      timeoutMs: timeout ?? 10000,
      tls: tlsFiles([...at, 'tls'], props.tls),
    };
    return 'otlp';
  }

  /** tracer_provider.processors / logger_provider.processors: batch (OTLP or console) or simple (console). */
  processors(signal: 'traces' | 'logs', path: FilePath, processors: readonly (SpanProcessorConfigModel | LogRecordProcessorConfigModel)[]): void {
    const batchPrefix = signal === 'traces' ? 'OTEL_BSP' : 'OTEL_BLRP';
    const exporters: string[] = [];
    processors.forEach((processor, i) => {
      const [kind, props] = single([...path, i], processor);
      const at = [...path, i, kind];
      if (kind !== 'batch' && kind !== 'simple') throw new ConfigFileError(at, 'is not a processor Filament runs (batch, simple)');
      onlyKeys(at, props, kind === 'batch' ? ['exporter', 'schedule_delay', 'export_timeout', 'max_queue_size', 'max_export_batch_size'] : ['exporter']);
      const exporter = this.exporter(signal, [...at, 'exporter'], (props.exporter ?? {}) as object);
      if (exporter === 'otlp' && kind === 'simple') {
        throw new ConfigFileError(at, 'with an OTLP exporter is not supported: Filament exports OTLP in batches (use batch)');
      }
      if (kind === 'batch' && exporter === 'otlp') {
        this.set(`${batchPrefix}_SCHEDULE_DELAY`, props.schedule_delay as number | undefined, [...at, 'schedule_delay']);
        this.set(`${batchPrefix}_EXPORT_TIMEOUT`, props.export_timeout as number | undefined, [...at, 'export_timeout']);
        this.set(`${batchPrefix}_MAX_QUEUE_SIZE`, props.max_queue_size as number | undefined, [...at, 'max_queue_size']);
        this.set(`${batchPrefix}_MAX_EXPORT_BATCH_SIZE`, props.max_export_batch_size as number | undefined, [...at, 'max_export_batch_size']);
      }
      if (!exporters.includes(exporter)) exporters.push(exporter);
    });
    this.set(signal === 'traces' ? 'OTEL_TRACES_EXPORTER' : 'OTEL_LOGS_EXPORTER', exporters.join(',') || 'none', path);
  }

  readers(path: FilePath, readers: readonly MetricReaderConfigModel[]): void {
    const exporters: string[] = [];
    readers.forEach((reader, i) => {
      const [kind, props] = single([...path, i], reader);
      const at = [...path, i, kind];
      if (kind !== 'periodic') throw new ConfigFileError(at, 'is not a reader Filament runs (periodic)');
      onlyKeys(at, props, ['exporter', 'interval', 'timeout']);
      for (const [key, variable] of [['interval', 'OTEL_METRIC_EXPORT_INTERVAL'], ['timeout', 'OTEL_METRIC_EXPORT_TIMEOUT']] as const) {
        const value = props[key] as number | null | undefined;
        if (value === null || value === undefined) continue;
        // One interval for all readers: Filament's alert timing rests on it (docs/alerting.md).
        if (this.variables[variable] !== undefined && this.variables[variable] !== String(value)) {
          throw new ConfigFileError([...at, key], 'differs from another reader\'s; Filament exports all metrics on one schedule');
        }
        this.set(variable, value, [...at, key]);
      }
      const exporter = this.exporter('metrics', [...at, 'exporter'], (props.exporter ?? {}) as object);
      if (!exporters.includes(exporter)) exporters.push(exporter);
    });
    this.set('OTEL_METRICS_EXPORTER', exporters.join(',') || 'none', path);
  }

  sampler(path: FilePath, sampler: SamplerConfigModel, parentBased = false): void {
    const [name, props] = single(path, sampler);
    const at = [...path, name];
    const prefix = parentBased ? 'parentbased_' : '';
    switch (name) {
      case 'always_on':
      case 'always_off':
        this.set('OTEL_TRACES_SAMPLER', `${prefix}${name}`, at);
        return;
      case 'trace_id_ratio_based':
        onlyKeys(at, props, ['ratio']);
        this.set('OTEL_TRACES_SAMPLER', `${prefix}traceidratio`, at);
        this.set('OTEL_TRACES_SAMPLER_ARG', (props.ratio as number | null | undefined) ?? 1, [...at, 'ratio']);
        return;
      case 'parent_based':
        if (parentBased) break;
        onlyKeys(at, props, ['root']);
        this.sampler([...at, 'root'], (props.root ?? { always_on: null }) as SamplerConfigModel, true);
        return;
      default:
        break;
    }
    throw new ConfigFileError(at, `is not a sampler Filament runs (always_on, always_off, trace_id_ratio_based${parentBased ? '' : ', parent_based'})`);
  }

  propagators(path: FilePath, propagator: NonNullable<ConfigurationModel['propagator']>): void {
    onlyKeys(path, propagator, ['composite', 'composite_list']);
    const merged = this.api.mergePropagatorCompositeConfig(propagator.composite, propagator.composite_list) ?? [];
    const names: string[] = [];
    merged.forEach((item, i) => {
      const [name] = single([...path, 'composite', i], item);
      if (name !== 'tracecontext' && name !== 'baggage' && name !== 'none') {
        throw new ConfigFileError([...path, 'composite', i, name], 'is not a propagator Filament ships (tracecontext, baggage, none)');
      }
      if (!names.includes(name)) names.push(name);
    });
    this.set('OTEL_PROPAGATORS', names.includes('none') || names.length === 0 ? 'none' : names.join(','), path);
  }

  resource(path: FilePath, resource: NonNullable<ConfigurationModel['resource']>): void {
    onlyKeys(path, resource, ['attributes', 'attributes_list', 'detection/development']);
    for (const a of this.api.mergeResourceAttributesConfig(resource.attributes, resource.attributes_list) ?? []) {
      if (a.value !== null && a.value !== undefined) this.resourceAttributes[a.name] = a.value as ResourceAttributeValue;
    }
    const detection = resource['detection/development'];
    if (detection === undefined || detection === null) return;
    const at = [...path, 'detection/development'];
    onlyKeys(at, detection, ['detectors']);
    // As sdk-node maps them: host is host + os, service is the instance id (service.name comes from attributes).
    const detectors: string[] = [];
    (detection.detectors ?? []).forEach((d, i) => {
      const [name] = single([...at, 'detectors', i], d);
      const mapped = ({ host: ['host', 'os'], process: ['process'], service: ['serviceinstance'] } as Record<string, string[]>)[name];
      if (mapped === undefined) throw new ConfigFileError([...at, 'detectors', i, name], 'is not a detector Filament ships (host, process, service)');
      detectors.push(...mapped);
    });
    this.set('OTEL_NODE_RESOURCE_DETECTORS', detectors.join(',') || 'none', at);
  }

  /**
   * distribution.filament: the FILAMENT_* settings, each under its name without the
   * prefix in lower case (FILAMENT_MASK_KEYS: mask_keys), a list for a comma-separated
   * value; plus enabled_instrumentations / disabled_instrumentations
   * (OTEL_NODE_ENABLED_INSTRUMENTATIONS / …_DISABLED_…).
   */
  filament(path: FilePath, node: unknown): void {
    if (node === null || node === undefined) return;
    if (typeof node !== 'object' || Array.isArray(node)) throw new ConfigFileError(path, 'must be a mapping of Filament settings');
    for (const [key, value] of Object.entries(node as Props)) {
      const at = [...path, key];
      const variable = key === 'enabled_instrumentations' || key === 'disabled_instrumentations'
        ? `OTEL_NODE_${key.toUpperCase()}` : `FILAMENT_${key.toUpperCase()}`;
      if (!/^[a-z][a-z0-9_]*$/.test(key)) throw new ConfigFileError(at, 'is not a Filament setting');
      const scalar = (v: unknown): v is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof v);
      if (Array.isArray(value) && value.every(scalar)) this.set(variable, value.join(','), at);
      else if (scalar(value)) this.set(variable, value, at);
      else if (value !== null) throw new ConfigFileError(at, 'must be a string, number, boolean or a list of them');
    }
  }
}

/**
 * otlp_http.tls (HttpTls): the PEM files read now, as sdk-node reads them (absolute paths only), so a
 * missing certificate refuses the file at start-up instead of failing every export.
 */
function tlsFiles(path: FilePath, tls: unknown): OtlpFileSettings['tls'] {
  if (tls === null || tls === undefined) return undefined;
  onlyKeys(path, tls, ['ca_file', 'cert_file', 'key_file']);
  const out: { ca?: string; cert?: string; key?: string } = {};
  for (const [key, option] of [['ca_file', 'ca'], ['cert_file', 'cert'], ['key_file', 'key']] as const) {
    const file = (tls as Props)[key];
    // An empty value is what `\${env:VAR}` of an unset variable gives: no file.
    if (file === null || file === undefined || file === '') continue;
    if (typeof file !== 'string' || !isAbsolute(file)) throw new ConfigFileError([...path, key], 'must be an absolute path');
    try {
      out[option] = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigFileError([...path, key], `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  }
  return out;
}

/** The severity names of the schema's log_level, as OTEL_LOG_LEVEL names them. */
function logLevel(severity: string): string {
  const base = severity.replace(/\d+$/, '');
  return ({ trace: 'VERBOSE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', fatal: 'ERROR' } as Record<string, string>)[base] ?? severity;
}

export function translate(model: ConfigurationModel, api: ConfigurationApi): Translation {
  onlyKeys([], model, [
    'disabled', 'log_level', 'tracer_provider', 'meter_provider', 'logger_provider', 'propagator', 'resource', 'distribution',
  ]);
  const t = new Translator(api);
  if (model.disabled === true) t.set('OTEL_SDK_DISABLED', 'true', ['disabled']);
  if (model.log_level !== undefined && model.log_level !== null) t.set('OTEL_LOG_LEVEL', logLevel(model.log_level), ['log_level']);

  const tracer = model.tracer_provider;
  if (tracer === undefined || tracer === null) {
    t.set('OTEL_TRACES_EXPORTER', 'none', ['tracer_provider']);
  } else {
    onlyKeys(['tracer_provider'], tracer, ['processors', 'sampler']);
    t.processors('traces', ['tracer_provider', 'processors'], tracer.processors ?? []);
    if (tracer.sampler !== undefined && tracer.sampler !== null) t.sampler(['tracer_provider', 'sampler'], tracer.sampler);
  }
  const meter = model.meter_provider;
  if (meter === undefined || meter === null) {
    t.set('OTEL_METRICS_EXPORTER', 'none', ['meter_provider']);
  } else {
    onlyKeys(['meter_provider'], meter, ['readers']);
    t.readers(['meter_provider', 'readers'], meter.readers ?? []);
  }
  const logger = model.logger_provider;
  if (logger === undefined || logger === null) {
    t.set('OTEL_LOGS_EXPORTER', 'none', ['logger_provider']);
  } else {
    onlyKeys(['logger_provider'], logger, ['processors']);
    t.processors('logs', ['logger_provider', 'processors'], logger.processors ?? []);
  }
  if (model.propagator !== undefined && model.propagator !== null) t.propagators(['propagator'], model.propagator);
  if (model.resource !== undefined && model.resource !== null) t.resource(['resource'], model.resource);
  if (t.variables.OTEL_NODE_RESOURCE_DETECTORS === undefined) {
    // Filament's default detectors without `env`: with a file, OTEL_RESOURCE_ATTRIBUTES and
    // OTEL_SERVICE_NAME count only where the file substitutes them.
    t.set('OTEL_NODE_RESOURCE_DETECTORS', 'serviceinstance,host,process', ['resource']);
  }
  // Other distributions' sections are theirs to read.
  t.filament(['distribution', 'filament'], (model.distribution as Props | undefined)?.filament);
  return { variables: t.variables, origins: t.origins, otlp: t.otlp, resourceAttributes: t.resourceAttributes };
}
