/**
 * The entry files (src/preload.ts, src/preload.mts, src/index.mts): one SDK per process, also
 * when a worker thread inherits the preload flag (its typed-API records go to the main thread's); the ESM face of the API names what the
 * CommonJS one exports.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { OtlpReceiver } from './support/otlpReceiver';
import { ROOT, startFixture } from './support/fixture';

describe('preload: entry files', function () {
  this.timeout(60000);
  const otlp = new OtlpReceiver();
  before(() => otlp.start());
  after(() => otlp.stop());
  beforeEach(() => otlp.clear());

  for (const loader of ['require', 'import'] as const) {
    it(`--${loader}: a worker thread inherits the preload but starts no second SDK`, async () => {
      // A bad value: each start of the preload would write its line once. The worker's own
      // instrumentation off: with it on (the default) the worker's call is also a client span, handed
      // to this same SDK (test/worker-instrumentation.test.ts); here nothing may be made in the worker.
      const app = await startFixture('worker-thread.cjs', {
        loader, otlp: otlp.url, env: { FILAMENT_CONTENT_MAX_BYTES: 'lots', FILAMENT_WORKER_INSTRUMENTATION: 'off' }, readyText: 'DONE',
      });
      assert.deepEqual(await app.exited, { code: 0, signal: null }, app.stderr());
      assert.match(app.stdout(), /^WORKER EXIT 0$/m);
      assert.deepEqual(app.stderr().trim().split('\n'), [
        'filament-otel: FILAMENT_CONTENT_MAX_BYTES="lots" is not a whole number of bytes; using 8192',
      ]);
      // The main thread's SDK served the worker's call ...
      const served = otlp.spans.filter((s) => s.kind === 2);
      assert.deepEqual(served.map((s) => s.attributes['url.path']), ['/from-worker']);
      // ... and is the only one that exported: one resource, no span or record made in the worker.
      const instances = new Set([...otlp.spans, ...otlp.logs, ...otlp.metrics].map((x) => x.resource['service.instance.id']));
      assert.deepEqual([...instances], [served[0]?.resource['service.instance.id']]);
      assert.deepEqual(otlp.spans.filter((s) => s.kind === 3), []);
      // The worker's typed-API call went to the main thread's SDK (src/events/workers.ts): once, with its resource.
      const records = otlp.events('order.status_changed');
      assert.deepEqual(records.map((r) => r.attributes['order.number']), ['ORD-WORKER']);
    });
  }

  it('dist/index.mjs exports by name everything dist/index.js exports', () => {
    const names = (script: string, type: string): string[] => JSON.parse(execFileSync(process.execPath, ['--input-type', type, '-e', script], { cwd: ROOT, encoding: 'utf8' })) as string[];
    const cjs = names('console.log(JSON.stringify(Object.keys(require("filament-otel")).sort()))', 'commonjs');
    const esm = names('import * as api from "filament-otel"; console.log(JSON.stringify(Object.keys(api).filter((n) => n !== "default").sort()))', 'module');
    assert.deepEqual(esm, cjs);
    assert.ok(cjs.includes('shutdown'), cjs.join(','));
  });
});
