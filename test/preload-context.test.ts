import assert from 'node:assert/strict';
import * as http from 'node:http';
import { OtlpReceiver } from './support/otlpReceiver';
import { startFixture } from './support/fixture';

/** Requests on ONE keep-alive connection; resolves with the local ports used (one socket → one port). */
async function onOneConnection(
  port: number, calls: { method: string; path: string; body?: unknown }[], bodyDelayMs = 0,
): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const ports: number[] = [];
  try {
    for (const call of calls) {
      await new Promise<void>((resolve, reject) => {
        const payload = call.body === undefined ? undefined : JSON.stringify(call.body);
        const req = http.request({
          host: '127.0.0.1', port, method: call.method, path: call.path, agent,
          headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        }, (res) => {
          ports.push(res.socket.localPort as number);
          res.resume();
          res.on('end', () => resolve());
        });
        req.on('error', reject);
        if (bodyDelayMs === 0 || payload === undefined) {
          req.end(payload);
        } else {
          // Headers now, body later: it reaches the handler through the parser's callbacks.
          req.flushHeaders();
          setTimeout(() => req.end(payload), bodyDelayMs);
        }
      });
    }
  } finally {
    agent.destroy();
  }
  return ports;
}

describe('preload: request context (Express 5, keep-alive)', function () {
  this.timeout(30000);
  const otlp = new OtlpReceiver();
  before(() => otlp.start());
  after(() => otlp.stop());

  it('work done after the body arrives belongs to its own request, on a reused connection too', async () => {
    const app = await startFixture('http-express.cjs', { otlp: otlp.url });
    const status = (n: number) => ({
      method: 'POST', path: `/orders/ORD-K${n}/status`, body: { customerId: `C-K${n}`, status: 'paid', previousStatus: 'priced' },
    });
    // A health probe (suppressed, untraced) between requests must not leak into the next one.
    const ports = await onOneConnection(app.port as number, [
      status(1), status(2), { method: 'GET', path: '/health' }, status(3), { method: 'GET', path: '/orders/ORD-K9' }, status(4),
    ]);
    await app.stop();
    assert.equal(new Set(ports).size, 1, 'all requests went over one connection');

    const calls = otlp.events('api.request').filter((e) => e.attributes['api.request.name'] === 'POST /orders/:orderNumber/status');
    const orders = otlp.events('order.status_changed');
    assert.equal(orders.length, 4);
    assert.equal(calls.length, 4);
    const traces = new Set<string>();
    for (const order of orders) {
      const n = String(order.attributes['order.number']).slice('ORD-K'.length);
      const server = otlp.spans.find((s) => s.kind === 2 && s.traceId === order.traceId);
      assert.ok(server, `ORD-K${n}: the event is in a server span's trace`);
      assert.equal(server.name, 'POST /orders/:orderNumber/status');
      assert.equal(server.attributes['url.path'], `/orders/ORD-K${n}/status`, `ORD-K${n} carries its own request's trace`);
      assert.equal(order.spanId !== undefined && order.spanId !== '', true);
      traces.add(order.traceId as string);
    }
    assert.equal(traces.size, 4, 'four requests, four traces');
  });

  it('a body that arrives after the handler ran, and the response\'s finish, run in their own request\'s context on a reused connection', async () => {
    otlp.clear();
    const app = await startFixture('http-deferred.cjs', { otlp: otlp.url });
    const order = (n: number) => ({ method: 'POST', path: `/direct/ORD-L${n}`, body: { customerId: `C-L${n}`, orderNumber: `ORD-L${n}` } });
    const ports = await onOneConnection(app.port as number, [order(1), order(2), order(3)], 150);
    await app.stop();
    assert.equal(new Set(ports).size, 1, 'all requests went over one connection');
    const events = otlp.events('order.status_changed');
    assert.deepEqual(events.map((e) => `${e.attributes['order.number']} ${e.attributes['order.status']}`).sort(), [
      'ORD-L1 confirmed', 'ORD-L1 paid', 'ORD-L2 confirmed', 'ORD-L2 paid', 'ORD-L3 confirmed', 'ORD-L3 paid',
    ]);
    for (const event of events) {
      const n = String(event.attributes['order.number']);
      const server = otlp.spans.find((s) => s.kind === 2 && s.traceId === event.traceId);
      assert.ok(server, `${n} ${event.attributes['order.status']}: in a server span's trace, not the connection's`);
      assert.equal(server.attributes['url.path'], `/direct/${n}`, `${n} carries its own request's trace`);
      assert.equal(event.spanId, server.spanId);
    }
  });

  it('a request handed to another server on a later tick runs its later events in the inner request\'s context', async () => {
    otlp.clear();
    const app = await startFixture('http-deferred.cjs', { otlp: otlp.url });
    // Headers first, the body 200 ms later: it then arrives through the parser's callbacks,
    // after the inner handler attached its listeners — only binding puts those in its context.
    const status = await new Promise<number>((resolve, reject) => {
      const payload = JSON.stringify({ customerId: 'C-D1', orderNumber: 'ORD-D1' });
      const req = http.request({
        host: '127.0.0.1', port: app.port, method: 'POST', path: '/orders/ORD-D1/status',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode as number)); });
      req.on('error', reject);
      req.flushHeaders();
      setTimeout(() => req.end(payload), 200);
    });
    assert.equal(status, 200);
    await app.stop();
    const servers = otlp.spans.filter((s) => s.kind === 2);
    // The outer server listens (server.port set); the inner one only receives the handed-over request.
    const outer = servers.find((s) => s.attributes['server.port'] === app.port);
    const inner = servers.find((s) => s.attributes['server.port'] === undefined);
    assert.ok(outer && inner, `two server spans: ${JSON.stringify(servers.map((s) => s.attributes))}`);
    assert.notEqual(inner.traceId, outer.traceId);
    const events = otlp.events('order.status_changed');
    assert.deepEqual(events.map((e) => `${e.attributes['order.number']} ${e.attributes['order.status']}`).sort(), ['ORD-D1 confirmed', 'ORD-D1 paid']);
    for (const event of events) {
      assert.equal(event.traceId, inner.traceId, `${event.attributes['order.status']}: the listeners ran in the inner request's context`);
      assert.equal(event.spanId, inner.spanId);
    }
  });
});
