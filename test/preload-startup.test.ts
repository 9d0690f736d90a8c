/**
 * What a service's first export costs it in modules (docs/benchmarks.md, "Start-up and memory"):
 * the OTLP/HTTP exporters make their agent with `import('http')`, and on Node 22 and later the
 * ES-module namespace of node:http reads every lazy export, which loads Node's bundled undici
 * (with http2, web streams, assert): ~15 MiB of peak RSS and ~20 ms in a process that does not
 * use fetch. scripts/bundle.mjs turns the bundled import() of built-ins into require().
 * The start-up loads neither node:https (with tls) nor child_process (scripts/bundle.mjs, src/http/server.ts).
 * Nor node:zlib, unless the exporters compress (OTEL_EXPORTER_OTLP_COMPRESSION=gzip): src/export/httpTransport.ts
 * loads it for the first compressed request, scripts/bundle.mjs defers otlp-exporter-base's own require of it.
 * Nor does the first export load a second copy of the SDK: otlp-transformer is bundled (scripts/bundle.mjs), where
 * from node_modules it required its own core, resources and sdk-* (~190 files, +11 MiB, ~150 ms).
 * Nor, under --require alone, import-in-the-middle: without its loader (--import) a hook sees nothing (src/importHook.ts).
 * And the bundle is ASCII: V8 keeps its source for the process's life, two bytes a character
 * if one of them is above Latin-1.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OtlpReceiver } from './support/otlpReceiver';
import { ROOT, startFixture } from './support/fixture';

describe('preload: start-up', function () {
  this.timeout(60000);
  const otlp = new OtlpReceiver();
  before(() => otlp.start());
  after(() => otlp.stop());
  beforeEach(() => otlp.clear());

  it('the first export loads no part of Node\'s bundled undici and no second copy of the SDK', async () => {
    const app = await startFixture('first-export.cjs', { otlp: otlp.url, readyText: 'DONE' });
    assert.deepEqual(await app.exited, { code: 0, signal: null }, app.stderr());
    // It did export over HTTP: the span and the counter arrived.
    assert.deepEqual(otlp.spans.map((s) => s.name), ['first-export']);
    // Each uncompressed body in one write with its length, not a chunked stream (docs/benchmarks.md, "Export requests").
    assert.ok(otlp.framings.length > 0 && otlp.framings.every((f) => /^length [1-9]\d*$/.test(f)), otlp.framings.join(','));
    // The host detector's attributes as upstream's writes them, the machine id read without fs/promises.
    const resource = otlp.spans[0]?.resource ?? {};
    assert.equal(resource['host.id'], readFileSync('/etc/machine-id', 'utf8').trim());
    assert.equal(resource['host.arch'], { x64: 'amd64', arm: 'arm32', ppc: 'ppc32' }[process.arch as string] ?? process.arch);
    assert.equal(resource['host.name'], os.hostname());
    assert.ok(otlp.metrics.some((m) => m.name === 'fixture.first_export'), otlp.metrics.map((m) => m.name).join(','));
    const loaded = JSON.parse(/^LOADED (.*)$/m.exec(app.stdout())?.[1] ?? 'null') as string[];
    // Nor node:zlib (~1 MiB of RSS): nothing is compressed unless OTEL_EXPORTER_OTLP_COMPRESSION=gzip (below).
    assert.deepEqual(loaded.filter((m) => /zlib/.test(m)), []);
    assert.deepEqual(loaded.filter((m) => /undici|http2|webstreams/.test(m)), []);
    // Nor fs/promises (with readline): upstream's host detector reads the machine id with it (src/resource.ts).
    assert.deepEqual(loaded.filter((m) => /fs\/promises|readline/.test(m)), []);
    assert.equal(/^AT_START (.*)$/m.exec(app.stdout())?.[1], '[]', 'loaded by the start-up although unused');
    const files = JSON.parse(/^FILES (.*)$/m.exec(app.stdout())?.[1] ?? 'null') as string[];
    assert.ok(Array.isArray(files), app.stdout());
    assert.deepEqual(files.filter((f) => /node_modules[\\/]@opentelemetry[\\/]/.test(f)).map((f) => path.relative(ROOT, f)), []);
  });

  it('under --require alone the start-up loads no import-in-the-middle: its hooks need the loader that only --import registers', () => {
    // src/importHook.ts (test/preload-esm.test.ts: under --import the ESM modules are still hooked).
    const run = spawnSync(process.execPath, ['--require', path.join(ROOT, 'dist', 'preload.js'), '-e', 'process.stdout.write(JSON.stringify(Object.keys(require.cache)))'], {
      cwd: ROOT, encoding: 'utf8', timeout: 30000,
      env: { PATH: process.env.PATH, OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' },
    });
    assert.equal(run.status, 0, run.stderr);
    const files = JSON.parse(run.stdout) as string[];
    assert.ok(files.some((f) => f.endsWith(`${path.sep}preload.js`)), run.stdout);
    assert.deepEqual(files.filter((f) => /import-in-the-middle|module-details-from-path/.test(f)).map((f) => path.relative(ROOT, f)), []);
  });

  it('with OTEL_EXPORTER_OTLP_COMPRESSION=gzip the first export loads node:zlib and compresses', async () => {
    const app = await startFixture('first-export.cjs', { otlp: otlp.url, readyText: 'DONE', env: { OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip' } });
    assert.deepEqual(await app.exited, { code: 0, signal: null }, app.stderr());
    assert.deepEqual(otlp.spans.map((s) => s.name), ['first-export']);
    assert.ok(otlp.encodings.includes('gzip'), otlp.encodings.join(','));
    const loaded = JSON.parse(/^LOADED (.*)$/m.exec(app.stdout())?.[1] ?? 'null') as string[];
    assert.ok(loaded.includes('NativeModule zlib'), loaded.join(', ')); // the exporter's transport was loaded now
  });

  it('dist/preload-bundle.js carries only the semantic-conventions constants it reads, not the package\'s tables', () => {
    // scripts/bundle.mjs: each require() of the package gets the names its file reads, from the ES build.
    const source = readFileSync(path.join(ROOT, 'dist', 'preload-bundle.js'), 'utf8');
    assert.ok(source.includes('"http.response.status_code"'), 'a constant the bundle reads');
    assert.deepEqual([...new Set(source.match(/\bSEMATTRS_\w+|\bSEMRESATTRS_\w+|\bcreateConstMap\b/g) ?? [])].slice(0, 5), []);
  });

  it('dist/preload-bundle.js is ASCII only, so V8 keeps its source one byte a character', () => {
    const source = readFileSync(path.join(ROOT, 'dist', 'preload-bundle.js'), 'utf8');
    assert.ok(source.length > 100000, String(source.length));
    assert.deepEqual([...source.matchAll(/[^\x00-\x7f]/g)].map((m) => m[0]), []);
  });
});
