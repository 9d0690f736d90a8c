/**
 * OTEL_CONFIG_FILE (docs/configuration.md): the built preload configured from a declarative
 * configuration file (file_format 1.0, @opentelemetry/configuration) — what arrives at the
 * collector is what the file says, `${env:…}` substituted, the other OTEL_* / FILAMENT_*
 * variables ignored — and an unusable file costs one stderr line and all telemetry, never the
 * service.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readConfig } from '../src/config';
import { readConfigFile } from '../src/configFile';
import { OtlpReceiver } from './support/otlpReceiver';
import { request, startFixture } from './support/fixture';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-config-file-'));
function file(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

/** Everything the issue names, with the endpoint and the token substituted from the environment. */
const FULL = `file_format: "1.0"
resource:
  attributes:
    - name: service.name
      value: file-service
    - name: deployment.environment.name
      value: \${env:TEST_DEPLOY_ENV:-staging}
propagator:
  composite: [{ tracecontext: }]
tracer_provider:
  sampler:
    parent_based:
      root:
        always_off:
  processors:
    - batch:
        schedule_delay: 100
        max_export_batch_size: 2
        exporter:
          otlp_http:
            endpoint: \${env:TEST_COLLECTOR}/v1/traces
            encoding: json
            headers:
              - name: authorization
                value: Bearer \${env:TEST_TOKEN}
meter_provider:
  readers:
    - periodic:
        interval: 500
        timeout: 400
        exporter:
          otlp_http:
            endpoint: \${env:TEST_COLLECTOR}/v1/metrics
            encoding: json
            headers_list: authorization=Bearer \${env:TEST_TOKEN}
logger_provider:
  processors:
    - batch:
        schedule_delay: 100
        exporter:
          otlp_http:
            endpoint: \${env:TEST_COLLECTOR}/v1/logs
            encoding: json
            headers_list: authorization=Bearer \${env:TEST_TOKEN}
distribution:
  filament:
    http_ignore_paths: [/orders/ORD-IGNORED]
`;

const sampled = (i: number): Record<string, string> =>
  ({ traceparent: `00-${String(i).padStart(32, 'a')}-${'b'.repeat(16)}-01` });

describe('preload: OTEL_CONFIG_FILE', function () {
  this.timeout(60000);
  const otlp = new OtlpReceiver();
  const decoy = new OtlpReceiver();
  before(async () => {
    await otlp.start(0, { token: 'file-token' });
    await decoy.start();
  });
  after(async () => {
    await otlp.stop();
    await decoy.stop();
  });
  beforeEach(() => {
    otlp.clear();
    decoy.clear();
  });

  it('exports what the file says — endpoint, headers, sampler, resource, batch size, a FILAMENT setting — and ignores the OTEL_* variables', async () => {
    const app = await startFixture('http-express.cjs', {
      // Everything the environment says about the SDK points elsewhere or says otherwise: the file wins.
      otlp: decoy.url,
      env: {
        OTEL_CONFIG_FILE: file('full.yaml', FULL), TEST_COLLECTOR: otlp.url, TEST_TOKEN: 'file-token',
        OTEL_TRACES_SAMPLER: 'always_on', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '512',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=from-env',
      },
    });
    let stopped: Awaited<ReturnType<typeof app.stop>> | undefined;
    try {
      // Sampled parents: the file's parent_based sampler records them; without a parent its always_off root drops the request.
      for (let i = 1; i <= 5; i++) assert.equal((await request(app.port as number, 'GET', `/orders/ORD-${i}`, undefined, sampled(i))).status, 200);
      assert.equal((await request(app.port as number, 'GET', '/orders/ORD-UNSAMPLED')).status, 200);
      assert.equal((await request(app.port as number, 'GET', '/orders/ORD-IGNORED', undefined, sampled(9))).status, 200);
      assert.ok(await otlp.waitFor(() => otlp.spans.filter((s) => s.kind === 2).length >= 5 && otlp.metrics.length > 0 && otlp.logs.length > 0),
        `spans ${otlp.spans.length}, metrics ${otlp.metrics.length}, events ${otlp.logs.length}\n${app.stderr()}`);
      stopped = await app.stop('SIGTERM');
    } finally {
      // Even when an assertion failed: no fixture outlives the spec.
      if (stopped === undefined) await app.stop('SIGKILL');
    }
    assert.equal(stopped.signal, 'SIGTERM');
    assert.equal(app.stderr(), '');

    const server = otlp.spans.filter((s) => s.kind === 2);
    // Not ORD-UNSAMPLED (the sampler), not ORD-IGNORED although sampled (http_ignore_paths).
    assert.deepEqual(server.map((s) => s.attributes['url.path']).sort(), ['/orders/ORD-1', '/orders/ORD-2', '/orders/ORD-3', '/orders/ORD-4', '/orders/ORD-5']);
    const batches = otlp.requests.filter((r) => r.path === '/v1/traces').map((r) => JSON.stringify(r.body).split('"spanId"').length - 1);
    assert.ok(batches.length >= 3 && batches.every((n) => n <= 2), `span batches of at most 2 (max_export_batch_size): ${batches.join(',')}`);
    assert.equal(server[0]?.resource['service.name'], 'file-service');
    assert.equal(server[0]?.resource['deployment.environment.name'], 'staging', 'the ${env:…:-default} default; OTEL_RESOURCE_ATTRIBUTES ignored');
    assert.ok(otlp.metrics.some((m) => m.name === 'http.server.request.duration'));
    assert.equal(otlp.unauthorized, 0, 'every export carried the file\'s substituted token');
    // By process id: on a shared machine another run's exporter may retry into the decoy's reused port.
    const fromApp = [...decoy.spans, ...decoy.logs, ...decoy.metrics].filter((r) => r.resource['process.pid'] === app.child.pid);
    assert.equal(fromApp.length, 0, 'OTEL_EXPORTER_OTLP_ENDPOINT is ignored');
  });

  it('an invalid file costs exactly one stderr line naming file, position and error; nothing is exported and the app serves', async () => {
    const bad = file('bad.yaml', 'file_format: "1.0"\ntracer_provider:\n  processors:\n    - batch:\n        exporter:\n          otlp_http:\n            endpoint: 4318\n');
    const app = await startFixture('http-express.cjs', { otlp: otlp.url, env: { OTEL_CONFIG_FILE: bad } });
    let served: Awaited<ReturnType<typeof request>>;
    try {
      served = await request(app.port as number, 'GET', '/orders/ORD-1');
    } finally {
      assert.equal((await app.stop('SIGTERM')).signal, 'SIGTERM');
    }
    assert.equal(served.status, 200, 'the app serves');
    assert.equal(app.stderr(),
      `filament-otel: OTEL_CONFIG_FILE=${JSON.stringify(bad)}: line 7, column 13: tracer_provider.processors[0].batch.exporter.otlp_http.endpoint must be string,null; telemetry is off\n`);
    assert.equal(otlp.requests.length + otlp.unauthorized, 0);
  });
});

describe('unit: OTEL_CONFIG_FILE errors', () => {
  const line = (p: string, rest: string): string => `filament-otel: OTEL_CONFIG_FILE=${JSON.stringify(p)}: ${rest}; telemetry is off`;
  const cases: [string, string, string][] = [
    ['yaml.yaml', 'file_format: "1.0"\ntracer_provider: [a\n  b: c\n', 'line 2, column 19: YAML: Implicit keys of flow sequence pairs need to be on a single line'],
    ['format.yaml', 'file_format: "2.0"\n', 'Unsupported file_format: "2.0". This SDK supports schema version 1.x'],
    ['typo.yaml', 'file_format: "1.0"\ndistribution:\n  filament:\n    mask_key: [iban2]\n',
      'line 4, column 5: distribution.filament.mask_key is not a Filament setting (docs/configuration.md lists them)'],
    ['range.yaml', 'file_format: "1.0"\ndistribution:\n  filament:\n    content_max_bytes: 9999999\n',
      'line 4, column 5: distribution.filament.content_max_bytes "9999999" is outside 0..1048576 bytes'],
    ['b3.yaml', 'file_format: "1.0"\npropagator:\n  composite: [{ b3: }]\n',
      'line 3, column 17: propagator.composite[0].b3 is not a propagator Filament ships (tracecontext, baggage, none)'],
    ['tls.yaml', 'file_format: "1.0"\ntracer_provider:\n  processors:\n    - batch:\n        exporter:\n          otlp_http:\n            tls: { ca_file: /nonexistent/ca.pem }\n',
      'line 7, column 20: tracer_provider.processors[0].batch.exporter.otlp_http.tls.ca_file cannot be read (ENOENT)'],
  ];
  for (const [name, text, rest] of cases) {
    it(`${name}: ${rest.replace(/^line \d+, column \d+: /, '')}`, () => {
      const p = file(name, text);
      const { config, problems } = readConfigFile(p, {});
      assert.deepEqual(problems, [line(p, rest)]);
      assert.equal(config.disabled, true);
    });
  }

  it('examples/otel-config.yaml loads without a problem line, to the settings Filament has without any', () => {
    const example = path.join(__dirname, '..', 'examples', 'otel-config.yaml');
    const { config, problems } = readConfigFile(example, {});
    assert.deepEqual(problems, []);
    const defaults = readConfig({}).config;
    for (const key of ['disabled', 'endpoints', 'protocol', 'sampler', 'propagators', 'bsp', 'blrp', 'metricExportIntervalMs', 'httpIgnorePaths', 'logFile', 'shutdownTimeoutMs'] as const) {
      assert.deepEqual(config[key], defaults[key], key);
    }
    assert.deepEqual(config.maskKeys, [...defaults.maskKeys, 'customer_ref']);
  });

  it('a missing file', () => {
    const p = path.join(dir, 'absent.yaml');
    assert.deepEqual(readConfigFile(p, {}).problems, [line(p, 'no such file')]);
  });

  it('a FILAMENT_* variable the file does not substitute is ignored, and said once', () => {
    const p = file('subst.yaml', 'file_format: "1.0"\ndistribution:\n  filament:\n    mask_keys: ${env:FILAMENT_MASK_KEYS}\n');
    // FILAMENT_CODE_CACHE is read before any configuration (src/codeCache.ts): never ignored, never said.
    const env = { FILAMENT_MASK_KEYS: 'orderSecret', FILAMENT_HTTP_IGNORE_PATHS: '/x', FILAMENT_CODE_CACHE: 'off' };
    process.env.FILAMENT_MASK_KEYS = 'orderSecret';
    try {
      const { config, problems } = readConfigFile(p, env);
      assert.ok(config.maskKeys.includes('ordersecret'), 'substituted');
      assert.deepEqual(config.httpIgnorePaths.includes('/x'), false);
      assert.deepEqual(problems, [`filament-otel: OTEL_CONFIG_FILE=${JSON.stringify(p)} is the configuration; FILAMENT_HTTP_IGNORE_PATHS from the environment is ignored (set it under distribution.filament or substitute it: docs/configuration.md)`]);
    } finally {
      delete process.env.FILAMENT_MASK_KEYS;
    }
  });
});
