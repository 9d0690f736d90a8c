import assert from 'node:assert/strict';
import { OtlpReceiver } from './support/otlpReceiver';
import { request, startFixture, type RunningFixture } from './support/fixture';

describe('preload: ES module service (Fastify 5, --import)', () => {
  const otlp = new OtlpReceiver();
  let app: RunningFixture;
  let exit: { code: number | null; signal: NodeJS.Signals | null };

  before(async () => {
    await otlp.start();
    app = await startFixture('http-fastify.mjs', { loader: 'import', otlp: otlp.url });
    const port = app.port as number;
    assert.equal((await request(port, 'GET', '/healthz')).status, 200);
    assert.equal((await request(port, 'POST', '/v1/models/M-17/price', { polygons: 4096 })).status, 200);
    assert.equal((await request(port, 'GET', '/v1/fail/3')).status, 500);
    const barePort = Number(/BARE (\d+)/.exec(app.stdout())?.[1]);
    assert.equal((await request(barePort, 'DELETE', '/anything/123')).status, 204);
    exit = await app.stop('SIGINT');
  });

  after(() => otlp.stop());

  it('leaves SIGINT to the app\'s own handler and exports when the loop ends', () => {
    assert.deepEqual(exit, { code: 0, signal: null }, app.stderr());
    // Only that the hook registers quietly; that it instruments is test/esm-loader-hook.test.ts.
    assert.equal(app.stderr(), '', 'the loader hook registers without complaint');
    // Exported when the loop ended (nothing was flushed before the SIGINT): the three calls' records.
    assert.equal(otlp.events('api.request').length, 3);
  });

  it('names requests by the Fastify route template', () => {
    const names = otlp.events('api.request').map((e) => e.attributes['api.request.name']).sort();
    assert.deepEqual(names, ['DELETE', 'GET /v1/fail/:id', 'POST /v1/models/:modelId/price']);
  });

  it('instruments node:http imported as an ES module; without a route the name is the method only', () => {
    const bare = otlp.events('api.request').find((e) => e.attributes['api.request.name'] === 'DELETE');
    assert.equal(bare?.attributes['http.response.status_code'], 204);
    assert.equal(bare?.attributes['http.route'], undefined);
  });

  it('reports the thrown error with its type', () => {
    const [err] = otlp.events('api.error');
    assert.equal(err?.attributes['error.type'], 'RangeError');
    assert.equal(err?.attributes['error.message'], 'mesh index out of range');
    assert.equal(err?.attributes['http.route'], '/v1/fail/:id');
  });

  it('emits model3d.priced from an ESM import of the API, in the request trace', () => {
    const [priced] = otlp.events('model3d.priced');
    assert.equal(priced?.attributes['model3d.polygon_count'], 4096);
    const call = otlp.events('api.request').find((e) => e.attributes['http.route'] === '/v1/models/:modelId/price');
    assert.match(priced?.traceId ?? '', /^[0-9a-f]{32}$/);
    assert.equal(priced?.traceId, call?.traceId);
  });
});
