import assert from 'node:assert/strict';
import { OtlpReceiver } from './support/otlpReceiver';
import { request, startFixture, type RunningFixture } from './support/fixture';

describe('preload: HTTP service (Express 5, --require)', () => {
  const otlp = new OtlpReceiver();
  let app: RunningFixture;
  let exit: { code: number | null; signal: NodeJS.Signals | null };

  before(async () => {
    await otlp.start();
    app = await startFixture('http-express.cjs', { otlp: otlp.url });
    const port = app.port as number;
    assert.equal((await request(port, 'GET', '/health')).status, 200);
    assert.equal((await request(port, 'GET', '/orders/ORD-1001?customer=alice@example.com', undefined, {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'user-agent': 'filament-test/1',
    })).status, 200);
    await request(port, 'POST', '/orders/ORD-1001/status', { customerId: 'C-42', status: 'priced', previousStatus: 'created' });
    await request(port, 'POST', '/models/price', { customerId: 'C-42', polygonCount: 12, processingTimeMs: 250.5, cost: 7.35 });
    assert.equal((await request(port, 'GET', '/boom/77')).status, 500);
    assert.equal((await request(port, 'GET', '/unavailable')).status, 503);
    exit = await app.stop('SIGTERM');
  });

  after(() => otlp.stop());

  it('exits on SIGTERM like an uninstrumented process, after exporting', () => {
    assert.equal(exit.signal, 'SIGTERM', `stderr: ${app.stderr()}`);
    assert.deepEqual(otlp.rejected, []);
  });

  it('exports on the default protocol, OTLP/HTTP protobuf, as users run it', () => {
    assert.ok(otlp.contentTypes.length >= 3, `${otlp.contentTypes.length} export requests`);
    assert.deepEqual([...new Set(otlp.contentTypes)], ['application/x-protobuf']);
  });

  it('emits api.request for every call with the route template, never the raw path', () => {
    const events = otlp.events('api.request');
    const names = events.map((e) => e.attributes['api.request.name']).sort();
    assert.deepEqual(names, [
      'GET /boom/:id', 'GET /orders/:orderNumber', 'GET /unavailable',
      'POST /models/price', 'POST /orders/:orderNumber/status',
    ]);
    const get = events.find((e) => e.attributes['api.request.name'] === 'GET /orders/:orderNumber');
    assert.ok(get);
    assert.equal(get.severityNumber, 9);
    assert.equal(get.severityText, 'INFO');
    assert.equal(get.attributes['http.request.method'], 'GET');
    assert.equal(get.attributes['http.route'], '/orders/:orderNumber');
    assert.equal(get.attributes['http.response.status_code'], 200);
    assert.equal(typeof get.attributes['api.request.duration_ms'], 'number');
    // The processing time is the request's measured one: the same as the route's duration histogram
    // (one GET of that route, so its sum is this request's seconds), rounded to the microsecond.
    const [point] = otlp.metrics.filter((m) => m.name === 'http.server.request.duration').flatMap((m) => m.points)
      .filter((p) => p.attributes['http.route'] === '/orders/:orderNumber' && p.attributes['http.request.method'] === 'GET').slice(-1);
    assert.equal(point?.count, 1);
    assert.ok((get.attributes['api.request.duration_ms'] as number) > 0);
    assert.ok(Math.abs((point?.value ?? NaN) * 1000 - (get.attributes['api.request.duration_ms'] as number)) < 0.001,
      `api.request.duration_ms ${get.attributes['api.request.duration_ms']} vs histogram ${point?.value} s`);
    assert.match(get.traceId ?? '', /^[0-9a-f]{32}$/);
    assert.equal(get.resource['service.name'], 'http-express');
    assert.equal(get.resource['telemetry.distro.name'], 'filament-otel');
    for (const e of events) assert.ok(!JSON.stringify(e.attributes).includes('ORD-1001'));
  });

  it('ignores health probes entirely', () => {
    assert.ok(!otlp.logs.some((l) => JSON.stringify(l.attributes).includes('/health')));
    assert.ok(!otlp.spans.some((s) => JSON.stringify(s.attributes).includes('/health')));
  });

  it('emits api.error for thrown errors with type, masked message and stack', () => {
    const errors = otlp.events('api.error');
    const boom = errors.find((e) => e.attributes['http.route'] === '/boom/:id');
    assert.ok(boom, JSON.stringify(errors));
    assert.equal(boom.severityNumber, 17);
    assert.equal(boom.severityText, 'ERROR');
    assert.equal(boom.attributes['http.response.status_code'], 500);
    assert.equal(boom.attributes['error.type'], 'TypeError');
    assert.equal(boom.attributes['exception.type'], 'TypeError');
    assert.equal(boom.attributes['error.message'], 'slicer crashed for customer [MASKED]');
    assert.match(boom.attributes['exception.stacktrace'] as string, /http-express\.cjs/);
    assert.ok(!JSON.stringify(boom).includes('alice@example.com'));
    assert.equal(boom.attributes['filament.content.masked'], 2);
    const request = otlp.events('api.request').find((e) => e.attributes['http.route'] === '/boom/:id');
    assert.match(boom.traceId ?? '', /^[0-9a-f]{32}$/);
    assert.equal(boom.traceId, request?.traceId, 'api.error and api.request share the trace');
  });

  it('emits api.error for a plain 5xx answer with the status as error code', () => {
    const e = otlp.events('api.error').find((x) => x.attributes['api.request.name'] === 'GET /unavailable');
    assert.ok(e);
    assert.equal(e.attributes['error.type'], '503');
    assert.equal(e.attributes['error.message'], 'HTTP 503 Service Unavailable');
    assert.equal(otlp.events('api.error').length, 2);
  });

  it('makes one SERVER span per request: stable HTTP semconv, the caller\'s trace, the route as name', () => {
    const server = otlp.spans.find((sp) => sp.kind === 2 && sp.traceId === '0af7651916cd43dd8448eb211c80319c');
    assert.ok(server, 'the incoming traceparent is continued');
    assert.equal(server.parentSpanId, 'b7ad6b7169203331');
    assert.equal(server.name, 'GET /orders/:orderNumber');
    const a = server.attributes;
    assert.equal(a['http.request.method'], 'GET');
    assert.equal(a['http.route'], '/orders/:orderNumber');
    assert.equal(a['http.response.status_code'], 200);
    assert.equal(a['url.scheme'], 'http');
    assert.equal(a['url.path'], '/orders/ORD-1001');
    assert.equal(a['url.query'], undefined, 'the query string (PII here) is not recorded');
    assert.equal(a['server.address'], '127.0.0.1');
    assert.equal(a['server.port'], app.port);
    assert.equal(a['network.protocol.version'], '1.1');
    assert.equal(a['user_agent.original'], 'filament-test/1');
    assert.equal(a['client.address'], '127.0.0.1');
    assert.ok(!JSON.stringify(otlp.spans).includes('alice@example.com'));
    const express = otlp.spans.filter((sp) => sp.traceId === server.traceId && sp.kind !== 2);
    assert.ok(express.length > 0 && express.every((sp) => sp.parentSpanId !== undefined), 'framework spans are children');
    const failed = otlp.spans.find((sp) => sp.kind === 2 && sp.name === 'GET /boom/:id');
    assert.equal(failed?.attributes['error.type'], '500');
  });

  it('emits order.status_changed and model3d.priced from the typed API, in the request trace', () => {
    const [order] = otlp.events('order.status_changed');
    assert.ok(order);
    assert.equal(order.severityNumber, 9);
    assert.deepEqual(order.attributes, {
      'customer.id': 'C-42', 'order.number': 'ORD-1001', 'order.status': 'priced', 'order.previous_status': 'created',
    });
    const call = otlp.events('api.request').find((e) => e.attributes['api.request.name'] === 'POST /orders/:orderNumber/status');
    assert.match(order.traceId ?? '', /^[0-9a-f]{32}$/);
    assert.equal(order.traceId, call?.traceId);
    const server = otlp.spans.find((sp) => sp.traceId === order.traceId && sp.kind === 2);
    assert.equal(server?.name, 'POST /orders/:orderNumber/status');
    const [priced] = otlp.events('model3d.priced');
    assert.ok(priced);
    assert.deepEqual(priced.attributes, {
      'customer.id': 'C-42', 'model3d.polygon_count': 12, 'model3d.processing_time_ms': 250.5, 'model3d.cost': 7.35,
      'model3d.currency': 'EUR', 'model3d.format': 'stl-binary', 'model3d.material': 'PLA',
    });
  });

  it('exports the ADR metrics: request duration by route, error counter, pricing duration', () => {
    const duration = otlp.metrics.filter((m) => m.name === 'http.server.request.duration');
    assert.ok(duration.some((m) => m.points.some((p) => p.attributes['http.route'] === '/orders/:orderNumber')));
    const errors = otlp.metrics.filter((m) => m.name === 'filament.api.errors').flatMap((m) => m.points);
    const boom = errors.find((p) => p.attributes['http.route'] === '/boom/:id');
    assert.equal(boom?.value, 1);
    assert.equal(boom?.attributes['error.type'], 'TypeError');
    const pricing = otlp.metrics.filter((m) => m.name === 'model3d.pricing.duration').flatMap((m) => m.points);
    assert.equal(pricing[pricing.length - 1]?.count, 1);
    assert.equal(otlp.metrics.find((m) => m.name === 'model3d.pricing.duration')?.unit, 's');
  });

  it('does not instrument its own exports: no http.client metric point for the OTLP endpoint', () => {
    const receiverPort = Number(new URL(otlp.url).port);
    const clientPoints = otlp.metrics.filter((m) => m.name.startsWith('http.client.')).flatMap((m) => m.points);
    assert.deepEqual(clientPoints.filter((p) => p.attributes['server.port'] === receiverPort), []);
  });
});
