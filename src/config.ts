/**
 * The one place of Filament's that reads the environment: everything else is
 * handed the `FilamentConfig` read here once. Standard OTEL_* variables keep the
 * meaning the OpenTelemetry specification gives them; Filament's own settings
 * are FILAMENT_*. Every invalid value yields exactly one line on stderr that
 * names the variable and the fallback used, and the host service starts anyway.
 * The official packages still read what only they use: the OTLP exporters their
 * headers, certificates, compression and timeout (OTEL_EXPORTER_OTLP_*), the
 * resource detectors OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.
 */
import { checkUpstreamEnv } from './otlpEnvChecks';
import { ConfigProblems } from './configProblems';

export type ExporterName = 'otlp' | 'console' | 'none';
export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';
export type Signal = 'traces' | 'metrics' | 'logs';
/** OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE */
export type TemporalityPreference = 'cumulative' | 'delta' | 'lowmemory';
export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

export interface BatchSettings {
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
}

export interface FilamentConfig {
  readonly disabled: boolean;
  readonly tracesExporters: readonly ExporterName[];
  readonly metricsExporters: readonly ExporterName[];
  readonly logsExporters: readonly ExporterName[];
  readonly protocol: Readonly<Record<Signal, OtlpProtocol>>;
  /**
   * Each signal's OTLP export timeout as the exporters read it:
   * OTEL_EXPORTER_OTLP_<SIGNAL>_TIMEOUT, else OTEL_EXPORTER_OTLP_TIMEOUT, else 10000 ms (a value
   * that is not a positive number is said by otlpEnvChecks.ts and skipped).
   */
  readonly otlpTimeoutMs: Readonly<Record<Signal, number>>;
  /**
   * The URL each signal's OTLP exporter is given, resolved as the exporters
   * would from OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT
   * (resolveEndpoint below), an invalid value replaced by the default.
   */
  readonly endpoints: Readonly<Record<Signal, string>>;
  readonly metricsTemporality: TemporalityPreference;
  readonly sampler: SamplerName;
  readonly samplerRatio: number;
  readonly propagators: readonly ('tracecontext' | 'baggage')[];
  readonly logLevel: string | undefined;
  readonly metricExportIntervalMs: number;
  readonly metricExportTimeoutMs: number;
  /** OTEL_BLRP_* (log records) */
  readonly blrp: BatchSettings;
  /** OTEL_BSP_* (spans) */
  readonly bsp: BatchSettings;
  readonly resourceDetectors: readonly ResourceDetectorName[];
  /** Instrumentation short names to load (after enabled/disabled lists). */
  readonly instrumentations: readonly string[];
  /** True when OTEL_NODE_ENABLED_INSTRUMENTATIONS named them (no presence check). */
  readonly instrumentationsExplicit: boolean;
  // ---- FILAMENT_* ----
  readonly contentMaxBytes: number;
  readonly maskKeys: readonly string[];
  readonly httpIgnorePaths: readonly string[];
  readonly amqpAssignMessageId: boolean;
  readonly deadLetterTap: boolean;
  /** pino/winston/bunyan records sent as OTel log records (FILAMENT_LOG_SENDING). */
  readonly logSending: boolean;
  /** trace_id/span_id/trace_flags added to the app's own log lines inside a span (FILAMENT_LOG_CORRELATION). */
  readonly logCorrelation: boolean;
  readonly logFile: {
    dir: string | undefined;
    maxBytes: number;
    maxAgeDays: number;
    maxFiles: number;
  };
  readonly shutdownTimeoutMs: number;
  /** process.exit() waits for the final flush, within the stop deadline (FILAMENT_FLUSH_ON_EXIT, exit.ts). */
  readonly flushOnExit: boolean;
  /**
   * A worker thread registers the automatic instrumentations and hands their spans and records to
   * the main thread's SDK (FILAMENT_WORKER_INSTRUMENTATION, src/threads); off: only the typed API
   * reaches it from a worker.
   */
  readonly workerInstrumentation: boolean;
  /**
   * Set only when the configuration came from OTEL_CONFIG_FILE (src/configFile):
   * each OTLP exporter's headers, compression and timeout from the file, used
   * instead of OTEL_EXPORTER_OTLP_* (the specification ignores those then).
   */
  readonly otlpFromFile?: Readonly<Partial<Record<Signal, OtlpFileSettings>>>;
  /** Set only from OTEL_CONFIG_FILE: `resource.attributes` (+ `attributes_list`), in place of the env detector. */
  readonly resourceAttributes?: Readonly<Record<string, ResourceAttributeValue>>;
}

/** An OTLP exporter's settings from a declarative configuration file. */
export interface OtlpFileSettings {
  readonly headers: Readonly<Record<string, string>>;
  readonly compression: 'gzip' | 'none';
  readonly timeoutMs: number;
  /** PEM contents of otlp_http.tls's ca_file, cert_file, key_file. */
  readonly tls?: Readonly<{ ca?: string; cert?: string; key?: string }> | undefined;
}

export type ResourceAttributeValue = string | number | boolean | readonly string[] | readonly number[] | readonly boolean[];

/**
 * Instrumentations loaded when OTEL_NODE_ENABLED_INSTRUMENTATIONS is not set.
 * `runtime-node` and `host-metrics` are the resource metrics (process, event
 * loop, GC, heap; docs/events.md, "Runtime metrics"): off with
 * OTEL_NODE_DISABLED_INSTRUMENTATIONS=runtime-node,host-metrics.
 */
export const DEFAULT_INSTRUMENTATIONS = [
  'http', 'express', 'fastify', 'amqplib', 'undici', 'pg', 'pino', 'winston', 'bunyan', 'runtime-node', 'host-metrics',
] as const;

export const TEN_MIB = 10 * 1024 * 1024;

/**
 * Keys whose values are masked whole, whatever their type. Matched word-wise
 * (src/masking/masker.ts, Masker): `secret` also masks `secretKey`,
 * `client_secret`, `X-Secret`; `pin` masks `userPin` but not `spinner`.
 */
export const DEFAULT_MASK_KEYS = [
  'password', 'passwd', 'pwd', 'pass', 'passphrase', 'secret', 'token', 'access_token', 'refresh_token',
  'authorization', 'auth', 'credential', 'credentials', 'private_key', 'session_id', 'api_key', 'apikey',
  'cookie', 'card', 'card_number', 'cardnumber', 'pan', 'cvv', 'cvc', 'pin', 'otp', 'ssn', 'iban',
  'email', 'phone', 'telephone', 'mobile',
];

export const DEFAULT_HTTP_IGNORE_PATHS = [
  '/health', '/healthz', '/ready', '/readyz', '/live', '/livez', '/metrics', '/favicon.ico',
];

export type Env = Readonly<Record<string, string | undefined>>;

function raw(env: Env, name: string): string | undefined {
  const v = env[name];
  if (v === undefined) return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

function list(env: Env, name: string): string[] | undefined {
  const v = raw(env, name);
  if (v === undefined) return undefined;
  return v.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

function integer(
  env: Env, problems: ConfigProblems, name: string, def: number, min: number, max: number, unit: string,
): number {
  const v = raw(env, name);
  if (v === undefined) return def;
  if (!/^\d+$/.test(v)) {
    problems.add(name, v, `is not a whole number of ${unit}`, String(def));
    return def;
  }
  const n = Number(v);
  if (n < min || n > max) {
    const clamped = n < min ? min : max;
    problems.add(name, v, `is outside ${min}..${max} ${unit}`, String(clamped));
    return clamped;
  }
  return n;
}

function bool(env: Env, problems: ConfigProblems, name: string, def: boolean): boolean {
  const v = raw(env, name);
  if (v === undefined) return def;
  const l = v.toLowerCase();
  if (['true', '1', 'on', 'yes'].includes(l)) return true;
  if (['false', '0', 'off', 'no'].includes(l)) return false;
  problems.add(name, v, 'is not one of true/false/on/off', String(def));
  return def;
}

function exporters(env: Env, problems: ConfigProblems, name: string): ExporterName[] {
  const values = list(env, name);
  if (values === undefined) return ['otlp'];
  const out: ExporterName[] = [];
  for (const v of values) {
    if (v === 'otlp' || v === 'console' || v === 'none') {
      if (!out.includes(v)) out.push(v);
    } else {
      problems.add(name, v, 'names an exporter Filament does not ship (otlp, console, none)', 'it is ignored');
    }
  }
  if (out.includes('none')) return [];
  return out.length === 0 ? ['otlp'] : out;
}

function protocol(env: Env, problems: ConfigProblems, signal: string, fallback: OtlpProtocol): OtlpProtocol {
  const name = signal === '' ? 'OTEL_EXPORTER_OTLP_PROTOCOL' : `OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`;
  const v = raw(env, name);
  if (v === undefined) return fallback;
  if (v === 'http/protobuf' || v === 'http/json' || v === 'grpc') return v;
  problems.add(name, v, 'is not http/protobuf, http/json or grpc', fallback);
  return fallback;
}

/**
 * Filament's default export batch: 512 spans or records, the specification's. Filament's protobuf
 * serialisers write a batch larger than 128 in slices of 128 with a turn of the event loop between
 * two (export/protobuf/slicing.ts), so the service pauses no longer than it did for the batch of 128
 * Filament used before, and makes a quarter of the export requests — each costs the service
 * ≈ 150–200 µs of CPU whatever its size (docs/benchmarks.md, "Export batches of 512, serialised in
 * slices"). OTLP/JSON (upstream's serialiser) writes a batch at once: set
 * OTEL_BSP_/OTEL_BLRP_MAX_EXPORT_BATCH_SIZE=128 there if the pause matters.
 */
export const DEFAULT_EXPORT_BATCH_SIZE = 512;

/**
 * Filament's default log-record queue: 8192, not the specification's 2048, so a
 * burst of 5000 events just before a stop is delivered, not dropped (about
 * 1 KiB of heap per queued event: docs/benchmarks.md, "queue"). Spans keep 2048.
 */
export const DEFAULT_LOG_QUEUE_SIZE = 8192;

function batchSettings(env: Env, problems: ConfigProblems, prefix: string, delayMs: number, queueSize = 2048): BatchSettings {
  const maxQueueSize = integer(env, problems, `${prefix}_MAX_QUEUE_SIZE`, queueSize, 1, 1_000_000, 'records');
  let maxExportBatchSize = integer(env, problems, `${prefix}_MAX_EXPORT_BATCH_SIZE`, DEFAULT_EXPORT_BATCH_SIZE, 1, 1_000_000, 'records');
  if (maxExportBatchSize > maxQueueSize) maxExportBatchSize = maxQueueSize;
  return {
    maxQueueSize,
    maxExportBatchSize,
    scheduledDelayMillis: integer(env, problems, `${prefix}_SCHEDULE_DELAY`, delayMs, 0, 3_600_000, 'milliseconds'),
    exportTimeoutMillis: integer(env, problems, `${prefix}_EXPORT_TIMEOUT`, 30000, 1, 3_600_000, 'milliseconds'),
  };
}

const SAMPLERS: readonly SamplerName[] = [
  'always_on', 'always_off', 'traceidratio',
  'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio',
];

const OTLP_ENDPOINT_VARS = [
  'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT',
];

/** The OTLP receiver the specification names as default, per transport. */
export const DEFAULT_OTLP_ENDPOINT = { http: 'http://localhost:4318', grpc: 'http://localhost:4317' } as const;

const SIGNAL_PATH: Record<Signal, string> = { traces: 'v1/traces', metrics: 'v1/metrics', logs: 'v1/logs' };

/**
 * The URL the exporter of `signal` is given, by the rules the official exporters
 * apply to the environment (otlp-exporter-base, otlp-grpc-exporter-base): a
 * signal-specific endpoint is used as it is; the general one gets the signal's
 * path (`v1/traces`, …) over HTTP and is used as it is over gRPC. An invalid
 * signal-specific endpoint, or an invalid general one with none specific, means
 * the default (the fallback its stderr line names).
 */
function resolveEndpoint(env: Env, signal: Signal, protocol: OtlpProtocol, invalid: ReadonlySet<string>): string {
  const grpc = protocol === 'grpc';
  const fallback = grpc ? DEFAULT_OTLP_ENDPOINT.grpc : `${DEFAULT_OTLP_ENDPOINT.http}/${SIGNAL_PATH[signal]}`;
  const specificName = `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`;
  const specific = raw(env, specificName);
  if (specific !== undefined) {
    if (invalid.has(specificName)) return fallback;
    return grpc ? specific : new URL(specific).toString();
  }
  const general = raw(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (general === undefined || invalid.has('OTEL_EXPORTER_OTLP_ENDPOINT')) return fallback;
  return grpc ? general : `${general.endsWith('/') ? general : `${general}/`}${SIGNAL_PATH[signal]}`;
}

/** The preload's metric export interval when OTEL_METRIC_EXPORT_INTERVAL is unset. */
export const DEFAULT_METRIC_EXPORT_INTERVAL_MS = 5000;

function readProtocols(env: Env, problems: ConfigProblems): Record<Signal, OtlpProtocol> {
  const generalProtocol = protocol(env, problems, '', 'http/protobuf');
  return {
    traces: protocol(env, problems, 'TRACES', generalProtocol),
    metrics: protocol(env, problems, 'METRICS', generalProtocol),
    logs: protocol(env, problems, 'LOGS', generalProtocol),
  };
}

/** OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG. */
function readSampler(env: Env, problems: ConfigProblems): { sampler: SamplerName; samplerRatio: number } {
  let sampler: SamplerName = 'parentbased_always_on';
  const samplerRaw = raw(env, 'OTEL_TRACES_SAMPLER');
  if (samplerRaw !== undefined) {
    if ((SAMPLERS as readonly string[]).includes(samplerRaw)) sampler = samplerRaw as SamplerName;
    else problems.add('OTEL_TRACES_SAMPLER', samplerRaw, `is not one of ${SAMPLERS.join(', ')}`, sampler);
  }
  let samplerRatio = 1;
  const ratioRaw = raw(env, 'OTEL_TRACES_SAMPLER_ARG');
  if (ratioRaw !== undefined && sampler.endsWith('traceidratio')) {
    const r = Number(ratioRaw);
    if (!Number.isFinite(r) || r < 0 || r > 1) {
      problems.add('OTEL_TRACES_SAMPLER_ARG', ratioRaw, 'is not a ratio between 0 and 1', '1');
    } else {
      samplerRatio = r;
    }
  } else if (ratioRaw !== undefined) {
    // Usually a ratio meant for a sampler that was not switched: say so rather than sample everything.
    problems.add('OTEL_TRACES_SAMPLER_ARG', ratioRaw,
      `is not read by the sampler ${sampler} (only traceidratio and parentbased_traceidratio take one)`, 'it is ignored');
  }
  return { sampler, samplerRatio };
}

/** An empty name is dropped by the SDK: every record would say unknown_service:<argv0>. */
function checkServiceName(env: Env, problems: ConfigProblems): void {
  const serviceName = env.OTEL_SERVICE_NAME;
  if (serviceName !== undefined && serviceName.trim() === '' && !/(^|,)\s*service\.name\s*=/.test(env.OTEL_RESOURCE_ATTRIBUTES ?? '')) {
    problems.add('OTEL_SERVICE_NAME', serviceName, 'is empty',
      `unknown_service:${process.argv0} (records cannot be told apart by service)`);
  }
}

function readPropagators(env: Env, problems: ConfigProblems): ('tracecontext' | 'baggage')[] {
  const propagators: ('tracecontext' | 'baggage')[] = [];
  for (const p of list(env, 'OTEL_PROPAGATORS') ?? ['tracecontext', 'baggage']) {
    if (p === 'tracecontext' || p === 'baggage') {
      if (!propagators.includes(p)) propagators.push(p);
    } else if (p !== 'none') {
      problems.add('OTEL_PROPAGATORS', p, 'is not supported by Filament (tracecontext, baggage, none)', 'it is ignored');
    }
  }
  return propagators;
}

function readLogLevel(env: Env, problems: ConfigProblems): string | undefined {
  const logLevelRaw = raw(env, 'OTEL_LOG_LEVEL');
  if (logLevelRaw === undefined) return undefined;
  const l = logLevelRaw.toUpperCase();
  if (['NONE', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'VERBOSE', 'ALL'].includes(l)) return l;
  problems.add('OTEL_LOG_LEVEL', logLevelRaw, 'is not NONE/ERROR/WARN/INFO/DEBUG/VERBOSE/ALL', 'INFO');
  return undefined;
}

/** OTEL_EXPORTER_OTLP[_<SIGNAL>]_ENDPOINT, each checked, then resolved per signal (resolveEndpoint). */
/** OTEL_EXPORTER_OTLP[_<SIGNAL>]_TIMEOUT (the gRPC exporters are handed it, capped by the stop deadline). */
function readOtlpTimeouts(env: Env): Record<Signal, number> {
  const positive = (name: string): number | undefined => {
    const value = Number(raw(env, name));
    return raw(env, name) !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
  };
  const general = positive('OTEL_EXPORTER_OTLP_TIMEOUT') ?? 10_000;
  const of = (signal: string): number => positive(`OTEL_EXPORTER_OTLP_${signal}_TIMEOUT`) ?? general;
  return { traces: of('TRACES'), metrics: of('METRICS'), logs: of('LOGS') };
}

function readEndpoints(env: Env, problems: ConfigProblems, proto: Readonly<Record<Signal, OtlpProtocol>>): Record<Signal, string> {
  const invalidEndpointVars = new Set<string>();
  for (const name of OTLP_ENDPOINT_VARS) {
    const v = raw(env, name);
    if (v === undefined) continue;
    let ok = false;
    try {
      const u = new URL(v);
      ok = u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      ok = false;
    }
    if (!ok) {
      invalidEndpointVars.add(name);
      problems.add(name, v, 'is not an http(s) URL', `the default endpoint ${DEFAULT_OTLP_ENDPOINT.http}`);
    }
  }
  return {
    traces: resolveEndpoint(env, 'traces', proto.traces, invalidEndpointVars),
    metrics: resolveEndpoint(env, 'metrics', proto.metrics, invalidEndpointVars),
    logs: resolveEndpoint(env, 'logs', proto.logs, invalidEndpointVars),
  };
}

function readMetricsTemporality(env: Env, problems: ConfigProblems): TemporalityPreference {
  const temporalityRaw = raw(env, 'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE');
  if (temporalityRaw === undefined) return 'cumulative';
  const t = temporalityRaw.toLowerCase();
  if (t === 'cumulative' || t === 'delta' || t === 'lowmemory') return t;
  problems.add('OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE', temporalityRaw, 'is not cumulative, delta or lowmemory', 'cumulative');
  return 'cumulative';
}

/** OTEL_METRIC_EXPORT_INTERVAL and OTEL_METRIC_EXPORT_TIMEOUT (the timeout at most the interval). */
function readMetricExport(env: Env, problems: ConfigProblems): { metricExportIntervalMs: number; metricExportTimeoutMs: number } {
  // 5 s, not the SDK's 60 s: the alert rules (alerting/, docs/alerting.md) must
  // see a fault within 30 s of its onset; the cost is measured in docs/benchmarks.md.
  const metricExportIntervalMs = integer(env, problems, 'OTEL_METRIC_EXPORT_INTERVAL', DEFAULT_METRIC_EXPORT_INTERVAL_MS, 100, 86_400_000, 'milliseconds');
  let metricExportTimeoutMs = integer(env, problems, 'OTEL_METRIC_EXPORT_TIMEOUT', 30000, 1, 86_400_000, 'milliseconds');
  if (metricExportTimeoutMs > metricExportIntervalMs) metricExportTimeoutMs = metricExportIntervalMs;
  return { metricExportIntervalMs, metricExportTimeoutMs };
}

const DETECTOR_NAMES = ['env', 'host', 'os', 'process', 'serviceinstance'] as const;
export type ResourceDetectorName = (typeof DETECTOR_NAMES)[number];

function readResourceDetectors(env: Env, problems: ConfigProblems): ResourceDetectorName[] {
  // serviceinstance by default: every series names its replica (Prometheus
  // `instance`), or two replicas of one service write into one series.
  let resourceDetectors: ResourceDetectorName[] = ['serviceinstance', 'env', 'host', 'process'];
  const detectorsRaw = list(env, 'OTEL_NODE_RESOURCE_DETECTORS');
  if (detectorsRaw !== undefined) {
    resourceDetectors = [];
    for (const d of detectorsRaw) {
      if (d === 'all') resourceDetectors = [...DETECTOR_NAMES];
      else if (d === 'none') resourceDetectors = [];
      else if ((DETECTOR_NAMES as readonly string[]).includes(d)) {
        if (!resourceDetectors.includes(d as ResourceDetectorName)) resourceDetectors.push(d as ResourceDetectorName);
      } else {
        problems.add('OTEL_NODE_RESOURCE_DETECTORS', d, `is not one of ${DETECTOR_NAMES.join(', ')}, all, none`, 'it is ignored');
      }
    }
    // Later detectors win a merge: the random instance id goes first so that
    // service.instance.id from OTEL_RESOURCE_ATTRIBUTES (env) overrides it.
    if (resourceDetectors.includes('serviceinstance')) {
      resourceDetectors = ['serviceinstance', ...resourceDetectors.filter((d) => d !== 'serviceinstance')];
    }
  }
  return resourceDetectors;
}

/** OTEL_NODE_ENABLED_INSTRUMENTATIONS / OTEL_NODE_DISABLED_INSTRUMENTATIONS (upstream's short names). */
function readInstrumentations(env: Env): { instrumentations: string[]; instrumentationsExplicit: boolean } {
  const enabled = list(env, 'OTEL_NODE_ENABLED_INSTRUMENTATIONS');
  const disabledList = list(env, 'OTEL_NODE_DISABLED_INSTRUMENTATIONS') ?? [];
  return {
    instrumentations: (enabled ?? [...DEFAULT_INSTRUMENTATIONS]).filter((n) => !disabledList.includes(n)),
    instrumentationsExplicit: enabled !== undefined,
  };
}

/** FILAMENT_MASK_KEYS: added to DEFAULT_MASK_KEYS, lower-cased. */
function readMaskKeys(env: Env, problems: ConfigProblems): string[] {
  const maskKeys = [...DEFAULT_MASK_KEYS];
  const extraMaskKeys = list(env, 'FILAMENT_MASK_KEYS');
  if (extraMaskKeys !== undefined && extraMaskKeys.length === 0) {
    problems.add('FILAMENT_MASK_KEYS', env.FILAMENT_MASK_KEYS ?? '', 'names no key', 'the default keys only');
  }
  for (const k of extraMaskKeys ?? []) {
    const l = k.toLowerCase();
    // A key is matched as a word of a JSON key or header name: letters, digits, _ . -
    if (!/^[\p{L}\p{N}_.-]+$/u.test(l)) {
      problems.add('FILAMENT_MASK_KEYS', k, 'is not a key name (letters, digits, _ . -)', 'it is ignored');
      continue;
    }
    if (!maskKeys.includes(l)) maskKeys.push(l);
  }
  return maskKeys;
}

/** FILAMENT_HTTP_IGNORE_PATHS: replaces DEFAULT_HTTP_IGNORE_PATHS; only paths starting with / are kept. */
function readHttpIgnorePaths(env: Env, problems: ConfigProblems): string[] {
  let httpIgnorePaths = list(env, 'FILAMENT_HTTP_IGNORE_PATHS') ?? [...DEFAULT_HTTP_IGNORE_PATHS];
  if (httpIgnorePaths.length === 0) {
    // ",,," is a typo, not a wish to record the probes: the defaults stay.
    problems.add('FILAMENT_HTTP_IGNORE_PATHS', env.FILAMENT_HTTP_IGNORE_PATHS ?? '', 'names no path', DEFAULT_HTTP_IGNORE_PATHS.join(','));
    httpIgnorePaths = [...DEFAULT_HTTP_IGNORE_PATHS];
  }
  for (const p of httpIgnorePaths) {
    if (!p.startsWith('/')) {
      problems.add('FILAMENT_HTTP_IGNORE_PATHS', p, 'is not a path starting with /', 'it is ignored');
    }
  }
  return httpIgnorePaths.filter((p) => p.startsWith('/'));
}

/** FILAMENT_AMQP_MESSAGE_ID: assign (true) or keep (false). */
function readAmqpAssignMessageId(env: Env, problems: ConfigProblems): boolean {
  const idMode = raw(env, 'FILAMENT_AMQP_MESSAGE_ID');
  if (idMode === undefined || idMode === 'assign') return true;
  if (idMode === 'keep') return false;
  problems.add('FILAMENT_AMQP_MESSAGE_ID', idMode, 'is not assign or keep', 'assign');
  return true;
}

/** FILAMENT_LOG_FILE_*: the rotated local log files. */
function readLogFile(env: Env, problems: ConfigProblems): FilamentConfig['logFile'] {
  return {
    dir: raw(env, 'FILAMENT_LOG_FILE_DIR'),
    // The ADR caps a log file at 10 MB: smaller is allowed, larger is not.
    maxBytes: integer(env, problems, 'FILAMENT_LOG_FILE_MAX_BYTES', TEN_MIB, 4096, TEN_MIB, 'bytes'),
    // The ADR keeps logs no longer than 6 months.
    maxAgeDays: integer(env, problems, 'FILAMENT_LOG_FILE_MAX_AGE_DAYS', 180, 1, 180, 'days'),
    maxFiles: integer(env, problems, 'FILAMENT_LOG_FILE_MAX_FILES', 100, 1, 100_000, 'files'),
  };
}

/**
 * Parses and validates the environment. Never throws: bad values are reported
 * in `problems` and replaced by their documented fallback. Each setting group
 * has its reader above (sdk-node's src/utils.ts is the model); they run in this
 * order so the problem lines keep theirs.
 */
export function readConfig(env: Env = process.env): { config: FilamentConfig; problems: string[] } {
  const { config, problems } = readSettings(env);
  return { config, problems: problems.lines };
}

/** readConfig with its problems as structured entries too (src/configFile names them by file path). */
export function readSettings(env: Env): { config: FilamentConfig; problems: ConfigProblems } {
  const problems = new ConfigProblems();

  const disabled = bool(env, problems, 'OTEL_SDK_DISABLED', false);
  const proto = readProtocols(env, problems);
  const { sampler, samplerRatio } = readSampler(env, problems);
  checkServiceName(env, problems);
  const propagators = readPropagators(env, problems);
  const logLevel = readLogLevel(env, problems);
  const endpoints = readEndpoints(env, problems, proto);
  const metricsTemporality = readMetricsTemporality(env, problems);
  const { metricExportIntervalMs, metricExportTimeoutMs } = readMetricExport(env, problems);
  const blrp = batchSettings(env, problems, 'OTEL_BLRP', 1000, DEFAULT_LOG_QUEUE_SIZE);
  const bsp = batchSettings(env, problems, 'OTEL_BSP', 5000);
  const resourceDetectors = readResourceDetectors(env, problems);
  const { instrumentations, instrumentationsExplicit } = readInstrumentations(env);
  const contentMaxBytes = integer(env, problems, 'FILAMENT_CONTENT_MAX_BYTES', 8192, 0, 1024 * 1024, 'bytes');
  const maskKeys = readMaskKeys(env, problems);
  const httpIgnorePaths = readHttpIgnorePaths(env, problems);
  const amqpAssignMessageId = readAmqpAssignMessageId(env, problems);

  checkUpstreamEnv(env, problems);

  const config: FilamentConfig = {
    disabled,
    tracesExporters: exporters(env, problems, 'OTEL_TRACES_EXPORTER'),
    metricsExporters: exporters(env, problems, 'OTEL_METRICS_EXPORTER'),
    logsExporters: exporters(env, problems, 'OTEL_LOGS_EXPORTER'),
    protocol: proto,
    otlpTimeoutMs: readOtlpTimeouts(env),
    endpoints,
    metricsTemporality,
    sampler,
    samplerRatio,
    propagators,
    logLevel,
    metricExportIntervalMs,
    metricExportTimeoutMs,
    blrp,
    bsp,
    resourceDetectors,
    instrumentations,
    instrumentationsExplicit,
    contentMaxBytes,
    maskKeys,
    httpIgnorePaths,
    amqpAssignMessageId,
    deadLetterTap: bool(env, problems, 'FILAMENT_DEAD_LETTER_TAP', true),
    logSending: bool(env, problems, 'FILAMENT_LOG_SENDING', true),
    logCorrelation: bool(env, problems, 'FILAMENT_LOG_CORRELATION', true),
    logFile: readLogFile(env, problems),
    shutdownTimeoutMs: integer(env, problems, 'FILAMENT_SHUTDOWN_TIMEOUT_MS', 5000, 100, 120_000, 'milliseconds'),
    // Off by default: deferring it makes process.exit() return to its caller (exit.ts).
    flushOnExit: bool(env, problems, 'FILAMENT_FLUSH_ON_EXIT', false),
    workerInstrumentation: bool(env, problems, 'FILAMENT_WORKER_INSTRUMENTATION', true),
  };
  return { config, problems };
}
