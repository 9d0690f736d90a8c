/** config.ts: FilamentConfig read once from the environment, one problem line per bad value. */
import assert from 'node:assert/strict';
import { readConfig, TEN_MIB } from '../src/config';
import { convertLegacyHttpOptions } from '@opentelemetry/otlp-exporter-base/node-http';
import { convertLegacyOtlpGrpcOptions } from '@opentelemetry/otlp-grpc-exporter-base';
import { otlpHttpOptions } from '../src/export/otlpHttpExporter';

describe('unit: configuration', () => {
  it('names the replica and exports metrics every 5 s by default (the alerting goal); the env still overrides both', () => {
    const { config } = readConfig({});
    assert.deepEqual(config.resourceDetectors, ['serviceinstance', 'env', 'host', 'process']);
    assert.equal(config.metricExportIntervalMs, 5000);
    assert.equal(config.metricExportTimeoutMs, 5000);
    assert.equal(readConfig({ OTEL_METRIC_EXPORT_INTERVAL: '60000' }).config.metricExportIntervalMs, 60000);
    // The random id first, so OTEL_RESOURCE_ATTRIBUTES' service.instance.id (env) wins the merge.
    assert.deepEqual(readConfig({ OTEL_NODE_RESOURCE_DETECTORS: 'env,serviceinstance' }).config.resourceDetectors, ['serviceinstance', 'env']);
    assert.deepEqual(readConfig({ OTEL_NODE_RESOURCE_DETECTORS: 'all' }).config.resourceDetectors, ['serviceinstance', 'env', 'host', 'os', 'process']);
  });

  it('defaults to the standard OTel behaviour and the ADR limits', () => {
    const { config, problems } = readConfig({});
    assert.deepEqual(problems, []);
    assert.equal(config.sampler, 'parentbased_always_on');
    assert.deepEqual(config.logsExporters, ['otlp']);
    assert.equal(config.protocol.logs, 'http/protobuf');
    assert.equal(config.contentMaxBytes, 8192);
    assert.equal(config.logFile.maxBytes, TEN_MIB);
    assert.equal(config.logFile.maxAgeDays, 180);
    assert.deepEqual(config.instrumentations, ['http', 'express', 'fastify', 'amqplib', 'undici', 'pg', 'pino', 'winston', 'bunyan', 'runtime-node', 'host-metrics']);
    assert.equal(config.instrumentationsExplicit, false);
    assert.equal(config.bsp.maxExportBatchSize, 512);
    assert.equal(config.blrp.maxExportBatchSize, 512);
    assert.equal(readConfig({ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '128' }).config.bsp.maxExportBatchSize, 128);
  });

  it('honours enabled/disabled instrumentation lists like upstream', () => {
    const { config } = readConfig({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,amqplib,redis', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'redis' });
    assert.deepEqual(config.instrumentations, ['http', 'amqplib']);
    assert.equal(config.instrumentationsExplicit, true);
  });

  it('reads signal-specific protocols and exporter lists; none disables', () => {
    const { config } = readConfig({
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc',
      OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'otlp,console',
    });
    assert.deepEqual(config.protocol, { traces: 'grpc', metrics: 'http/json', logs: 'http/json' });
    assert.deepEqual(config.metricsExporters, []);
    assert.deepEqual(config.logsExporters, ['otlp', 'console']);
  });

  it('caps the file limits at the ADR maxima and reports it', () => {
    const { config, problems } = readConfig({ FILAMENT_LOG_FILE_MAX_AGE_DAYS: '365' });
    assert.equal(config.logFile.maxAgeDays, 180);
    assert.deepEqual(problems, ['filament-otel: FILAMENT_LOG_FILE_MAX_AGE_DAYS="365" is outside 1..180 days; using 180']);
  });

  it('reports an empty OTEL_SERVICE_NAME unless OTEL_RESOURCE_ATTRIBUTES names the service', () => {
    assert.deepEqual(readConfig({ OTEL_SERVICE_NAME: ' ' }).problems, [
      `filament-otel: OTEL_SERVICE_NAME=" " is empty; using unknown_service:${process.argv0} (records cannot be told apart by service)`,
    ]);
    assert.deepEqual(readConfig({ OTEL_SERVICE_NAME: '', OTEL_RESOURCE_ATTRIBUTES: 'service.name=mes-api' }).problems, []);
    assert.deepEqual(readConfig({ OTEL_SERVICE_NAME: 'order-service' }).problems, []);
  });

  it('reports OTEL_TRACES_SAMPLER_ARG set for a sampler that takes none, and reads it for the ratio samplers', () => {
    assert.deepEqual(readConfig({ OTEL_TRACES_SAMPLER: 'always_off', OTEL_TRACES_SAMPLER_ARG: '0.5' }).problems, [
      'filament-otel: OTEL_TRACES_SAMPLER_ARG="0.5" is not read by the sampler always_off (only traceidratio and parentbased_traceidratio take one); using it is ignored',
    ]);
    const ratio = readConfig({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' });
    assert.deepEqual(ratio.problems, []);
    assert.equal(ratio.config.samplerRatio, 0.25);
  });

  it('resolves each signal\'s OTLP endpoint as the exporters do, an invalid one replaced by the default', () => {
    assert.deepEqual(readConfig({}).config.endpoints, {
      traces: 'http://localhost:4318/v1/traces', metrics: 'http://localhost:4318/v1/metrics', logs: 'http://localhost:4318/v1/logs',
    });
    const general = readConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4318/otlp', OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://logs:9999',
    });
    assert.deepEqual(general.problems, []);
    assert.deepEqual(general.config.endpoints, {
      traces: 'https://collector:4318/otlp/v1/traces', metrics: 'https://collector:4318/otlp/v1/metrics', logs: 'http://logs:9999/',
    });
    const grpc = readConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317' });
    assert.deepEqual(grpc.config.endpoints, { traces: 'http://collector:4317', metrics: 'http://collector:4317', logs: 'http://collector:4317' });
    // An invalid signal-specific endpoint means the default, not the general one (the fallback its line names).
    const invalid = readConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'collector:4318' });
    assert.deepEqual(invalid.problems, [
      'filament-otel: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="collector:4318" is not an http(s) URL; using the default endpoint http://localhost:4318',
    ]);
    assert.deepEqual(invalid.config.endpoints, {
      traces: 'http://localhost:4318/v1/traces', metrics: 'http://collector:4318/v1/metrics', logs: 'http://collector:4318/v1/logs',
    });
    assert.equal(readConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'nope' }).config.endpoints.logs, 'http://localhost:4317');
  });

  it('gives each exporter the URL it would resolve from the same environment itself', () => {
    // What upstream's exporters resolve, through the public option resolution their constructors call
    // (otlp-exporter-base 0.301: convertLegacyHttpOptions; otlp-grpc-exporter-base: convertLegacyOtlpGrpcOptions).
    const upstreamHttp = (signal: string, path: string): string => convertLegacyHttpOptions({}, signal, path, {}).url;
    const cases: Record<string, string>[] = [
      {},
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' },
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4318/otlp/' },
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:1234/custom' },
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces:1234' },
    ];
    const vars = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'];
    const saved = vars.map((v) => process.env[v]);
    try {
      for (const env of cases) {
        for (const v of vars) {
          if (env[v] === undefined) delete process.env[v];
          else process.env[v] = env[v];
        }
        const { config } = readConfig(env);
        const grpc = readConfig({ ...env, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).config;
        assert.equal(config.endpoints.traces, upstreamHttp('TRACES', 'v1/traces'), JSON.stringify(env));
        assert.equal(config.endpoints.logs, upstreamHttp('LOGS', 'v1/logs'), JSON.stringify(env));
        // And our exporters send to it, with upstream's other settings.
        assert.equal(otlpHttpOptions('traces', 'http/protobuf', config.endpoints.traces).url, config.endpoints.traces);
        assert.equal(otlpHttpOptions('logs', 'http/json', config.endpoints.logs).url, config.endpoints.logs);
        assert.equal(convertLegacyOtlpGrpcOptions({ url: grpc.endpoints.traces }, 'TRACES').url, convertLegacyOtlpGrpcOptions({}, 'TRACES').url, JSON.stringify(env));
      }
    } finally {
      vars.forEach((v, i) => {
        if (saved[i] === undefined) delete process.env[v];
        else process.env[v] = saved[i];
      });
    }
  });

  it('reads the metrics temporality preference and reports an unknown one', () => {
    assert.equal(readConfig({}).config.metricsTemporality, 'cumulative');
    assert.equal(readConfig({ OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'Delta' }).config.metricsTemporality, 'delta');
    const bogus = readConfig({ OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'bogus' });
    assert.equal(bogus.config.metricsTemporality, 'cumulative');
    assert.deepEqual(bogus.problems, [
      'filament-otel: OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE="bogus" is not cumulative, delta or lowmemory; using cumulative',
    ]);
  });

  it('FILAMENT_FLUSH_ON_EXIT: off by default, on when asked, a bad value said and off', () => {
    assert.equal(readConfig({}).config.flushOnExit, false);
    assert.equal(readConfig({ FILAMENT_FLUSH_ON_EXIT: 'on' }).config.flushOnExit, true);
    const { config, problems } = readConfig({ FILAMENT_FLUSH_ON_EXIT: 'always' });
    assert.equal(config.flushOnExit, false);
    assert.deepEqual(problems, ['filament-otel: FILAMENT_FLUSH_ON_EXIT="always" is not one of true/false/on/off; using false']);
  });

  it('FILAMENT_WORKER_INSTRUMENTATION: on by default, off when asked, a bad value said and on', () => {
    assert.equal(readConfig({}).config.workerInstrumentation, true);
    assert.equal(readConfig({ FILAMENT_WORKER_INSTRUMENTATION: 'off' }).config.workerInstrumentation, false);
    const { config, problems } = readConfig({ FILAMENT_WORKER_INSTRUMENTATION: 'never' });
    assert.equal(config.workerInstrumentation, true);
    assert.deepEqual(problems, ['filament-otel: FILAMENT_WORKER_INSTRUMENTATION="never" is not one of true/false/on/off; using true']);
  });

  it('rejects an out-of-range sampler ratio', () => {
    const { config, problems } = readConfig({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' });
    assert.equal(config.samplerRatio, 1);
    assert.equal(problems.length, 1);
  });

  it('says what upstream would drop without a word: exporter timeout, compression, headers (never their values), resource attributes, empty lists', () => {
    const lines = (env: Record<string, string>): string[] => readConfig(env).problems;
    assert.deepEqual(lines({ OTEL_EXPORTER_OTLP_TIMEOUT: '0' }), [
      'filament-otel: OTEL_EXPORTER_OTLP_TIMEOUT="0" is not a number of milliseconds greater than 0; using the exporters\' default, 10000 ms']);
    assert.deepEqual(lines({ OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: 'abc' }), [
      'filament-otel: OTEL_EXPORTER_OTLP_LOGS_TIMEOUT="abc" is not a number of milliseconds greater than 0; using OTEL_EXPORTER_OTLP_TIMEOUT, else 10000 ms']);
    assert.deepEqual(lines({ OTEL_EXPORTER_OTLP_COMPRESSION: 'zstd' }), [
      'filament-otel: OTEL_EXPORTER_OTLP_COMPRESSION="zstd" is not none or gzip; using none']);
    const headers = lines({ OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20s3cr3t-token,x-tenant,api-key=%E0%A4%A,=orphan' });
    assert.deepEqual(headers, [
      'filament-otel: OTEL_EXPORTER_OTLP_HEADERS: entry 2 is not key=value; that header is not sent',
      'filament-otel: OTEL_EXPORTER_OTLP_HEADERS: entry 3 (api-key) is not valid percent-encoding; that header is not sent',
      'filament-otel: OTEL_EXPORTER_OTLP_HEADERS: entry 4 is not key=value; that header is not sent',
    ]);
    assert.doesNotMatch(headers.join('\n'), /s3cr3t|orphan|%E0/);
    assert.deepEqual(lines({ OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,team=a=b' }), [
      'filament-otel: OTEL_RESOURCE_ATTRIBUTES="deployment.environment=prod,team=a=b" entry "team=a=b" is not key=value (\',\' and \'=\' must be percent-encoded); using none of its attributes (the SDK ignores the whole list)']);
    assert.deepEqual(lines({ FILAMENT_HTTP_IGNORE_PATHS: ',,,' }), [
      'filament-otel: FILAMENT_HTTP_IGNORE_PATHS=",,," names no path; using /health,/healthz,/ready,/readyz,/live,/livez,/metrics,/favicon.ico']);
    assert.deepEqual(readConfig({ FILAMENT_HTTP_IGNORE_PATHS: ',,,' }).config.httpIgnorePaths, readConfig({}).config.httpIgnorePaths);
    assert.deepEqual(lines({ FILAMENT_MASK_KEYS: 'iban, card number,,*' }), [
      'filament-otel: FILAMENT_MASK_KEYS="card number" is not a key name (letters, digits, _ . -); using it is ignored',
      'filament-otel: FILAMENT_MASK_KEYS="*" is not a key name (letters, digits, _ . -); using it is ignored',
    ]);
    assert.ok(readConfig({ FILAMENT_MASK_KEYS: 'iban, card number' }).config.maskKeys.includes('iban'));
    assert.deepEqual(lines({ FILAMENT_MASK_KEYS: ' , ' }), ['filament-otel: FILAMENT_MASK_KEYS=" , " names no key; using the default keys only']);
    // Valid values say nothing.
    assert.deepEqual(lines({ OTEL_EXPORTER_OTLP_TIMEOUT: '2500', OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip', OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20x,x-tenant=a',
      OTEL_RESOURCE_ATTRIBUTES: 'a=1,b=%2C' }), []);
  });

  it('OTLP export timeouts as the exporters read them: per signal, else general, else 10 s (handed to the gRPC exporters)', () => {
    assert.deepEqual(readConfig({}).config.otlpTimeoutMs, { traces: 10000, metrics: 10000, logs: 10000 });
    assert.deepEqual(readConfig({ OTEL_EXPORTER_OTLP_TIMEOUT: '3000', OTEL_EXPORTER_OTLP_LOGS_TIMEOUT: '2000' }).config.otlpTimeoutMs,
      { traces: 3000, metrics: 3000, logs: 2000 });
    assert.deepEqual(readConfig({ OTEL_EXPORTER_OTLP_TIMEOUT: 'abc', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '0' }).config.otlpTimeoutMs,
      { traces: 10000, metrics: 10000, logs: 10000 });
  });
});
