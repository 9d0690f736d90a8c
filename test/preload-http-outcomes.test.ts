import assert from 'node:assert/strict';
import * as net from 'node:net';
import { OtlpReceiver } from './support/otlpReceiver';
import { sleep } from '../scripts/lib/procs.cjs';
import { request, startFixture } from './support/fixture';

/** Sends a GET and drops the connection before the answer. */
async function abortWhileWaiting(port: number, path: string): Promise<void> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  await sleep(100); // the request reaches the handler (nothing outside the app shows when it has)
  socket.destroy();
}

/** Sends a POST whose body never completes, then drops the connection. */
async function abortMidBody(port: number, path: string): Promise<void> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n`
    + 'Content-Length: 1000\r\n\r\n{"customerId":"C-1","sta');
  // Let the server start reading the body before the client goes away.
  await sleep(200);
  socket.destroy();
}

describe('preload: HTTP request outcomes', function () {
  this.timeout(60000);
  const otlp = new OtlpReceiver();
  before(() => otlp.start());
  after(() => otlp.stop());
  beforeEach(() => otlp.clear());

  it('a request the client aborted mid-body is reported as aborted, with no status code (span, api.request, metric)', async () => {
    const app = await startFixture('http-express.cjs', { otlp: otlp.url });
    await abortMidBody(app.port as number, '/orders/ORD-7/status');
    assert.ok(await otlp.waitFor(() => otlp.events('api.request').length === 1), 'api.request for the aborted request');
    await app.stop('SIGTERM');
    const [record] = otlp.events('api.request');
    assert.ok(record);
    assert.equal(record.attributes['http.request.method'], 'POST');
    assert.equal(record.attributes['error.type'], 'aborted', JSON.stringify(record.attributes));
    assert.equal(record.attributes['http.response.status_code'], undefined, 'no response was sent: no status code');
    assert.equal(otlp.events('api.error').length, 0, 'the client went away: not a service error');

    const span = otlp.spans.find((s) => s.kind === 2);
    assert.ok(span);
    assert.equal(span.attributes['error.type'], 'aborted');
    assert.equal(span.attributes['http.response.status_code'], undefined);
    assert.equal(span.status.code, 2);

    const points = otlp.metrics.filter((m) => m.name === 'http.server.request.duration').flatMap((m) => m.points);
    assert.ok(points.length > 0);
    for (const p of points) {
      assert.equal(p.attributes['error.type'], 'aborted');
      assert.equal(p.attributes['http.response.status_code'], undefined);
    }
  });

  it('the same for Fastify (its own body reading)', async () => {
    const app = await startFixture('http-fastify.mjs', { otlp: otlp.url, loader: 'import' });
    await abortMidBody(app.port as number, '/v1/models/M-1/price');
    assert.ok(await otlp.waitFor(() => otlp.events('api.request').length === 1), 'api.request for the aborted request');
    await app.stop('SIGINT');
    const [record] = otlp.events('api.request');
    assert.equal(record?.attributes['error.type'], 'aborted', JSON.stringify(record?.attributes));
    assert.equal(record?.attributes['http.response.status_code'], undefined);
    assert.equal(otlp.events('api.error').length, 0);
  });

  it('a request the client left while the handler worked is reported as aborted, with no status code', async () => {
    const app = await startFixture('http-express.cjs', { otlp: otlp.url });
    await abortWhileWaiting(app.port as number, '/slow/1');
    assert.ok(await otlp.waitFor(() => otlp.events('api.request').length === 1), 'api.request for the aborted request');
    // The handler answers later, into the closed connection: still reported once.
    await sleep(600); // past the handler's late answer: a second record, which must not come, would be made now
    await app.stop('SIGTERM');
    assert.equal(otlp.events('api.request').length, 1);
    const [record] = otlp.events('api.request');
    assert.equal(record?.attributes['api.request.name'], 'GET /slow/:id');
    assert.equal(record?.attributes['error.type'], 'aborted');
    assert.equal(record?.attributes['http.response.status_code'], undefined);
    const span = otlp.spans.find((s) => s.kind === 2);
    assert.equal(span?.name, 'GET /slow/:id');
    assert.equal(span?.attributes['error.type'], 'aborted');
    assert.equal(span?.status.code, 2);
  });

  for (const sampler of [
    { OTEL_TRACES_SAMPLER: 'always_off' },
    { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' },
  ]) {
    it(`api.error carries exception type and masked message with ${sampler.OTEL_TRACES_SAMPLER} (Express)`, async () => {
      const app = await startFixture('http-express.cjs', { otlp: otlp.url, env: sampler });
      assert.equal((await request(app.port as number, 'GET', '/boom/2')).status, 500);
      await app.stop('SIGTERM');
      assert.equal(otlp.spans.length, 0, 'nothing sampled');
      const [error] = otlp.events('api.error');
      assert.ok(error);
      assert.equal(error.attributes['error.type'], 'TypeError');
      assert.equal(error.attributes['exception.type'], 'TypeError');
      assert.equal(error.attributes['error.message'], 'slicer crashed for customer [MASKED]');
      assert.equal(error.attributes['exception.message'], 'slicer crashed for customer [MASKED]');
      assert.match(error.attributes['exception.stacktrace'] as string, /http-express\.cjs/);
      const counted = otlp.metrics.filter((m) => m.name === 'filament.api.errors').flatMap((m) => m.points);
      assert.equal(counted[counted.length - 1]?.attributes['error.type'], 'TypeError');
    });
  }

  it('api.error carries exception type and message with always_off (Fastify, --import)', async () => {
    const app = await startFixture('http-fastify.mjs', {
      otlp: otlp.url, loader: 'import', env: { OTEL_TRACES_SAMPLER: 'always_off' },
    });
    assert.equal((await request(app.port as number, 'GET', '/v1/fail/3')).status, 500);
    await app.stop('SIGINT');
    assert.equal(otlp.spans.length, 0, 'nothing sampled');
    const [error] = otlp.events('api.error');
    assert.ok(error);
    assert.equal(error.attributes['http.route'], '/v1/fail/:id');
    assert.equal(error.attributes['error.type'], 'RangeError');
    assert.equal(error.attributes['exception.type'], 'RangeError');
    assert.equal(error.attributes['error.message'], 'mesh index out of range');
  });
});
