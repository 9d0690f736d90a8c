// OTEL_PROPAGATORS through the real path: a service under the preload receives a request carrying
// W3C trace context, baggage and a B3 header, and calls another service with node:http and fetch.
// Filament propagates tracecontext and baggage (the default) or nothing (`none`); B3 is not among
// its propagators, so `b3` is named on stderr and propagates nothing (src/config.ts).
import assert from 'node:assert/strict';
import { OtlpReceiver, type ReceivedSpan } from './support/otlpReceiver';
import { request, startFixture } from './support/fixture';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';
const B3_TRACE = '80f198ee56343ba864fe8b2a57d3eff7';
const INCOMING = {
  traceparent: `00-${TRACE}-${PARENT}-01`,
  baggage: 'tenant=print-farm-7',
  b3: `${B3_TRACE}-e457b5a2e4d86bd1-1`,
};

type Received = { path: string; traceparent: string | null; baggage: string | null; b3: string | null };
const NO_HEADERS = { traceparent: null, baggage: null, b3: null };
/** The trace headers the downstream service received, without its path. */
const headersOf = ({ traceparent, baggage, b3 }: Received) => ({ traceparent, baggage, b3 });
interface Run { server: ReceivedSpan; clients: ReceivedSpan[]; downstream: Received[]; stderr: string }

/** One request through http-outgoing.cjs under OTEL_PROPAGATORS=`propagators`. */
async function run(propagators: string): Promise<Run> {
  const otlp = await new OtlpReceiver().start();
  try {
    const app = await startFixture('http-outgoing.cjs', { otlp: otlp.url, env: { OTEL_PROPAGATORS: propagators } });
    const res = await request(app.port as number, 'GET', '/relay', undefined, INCOMING);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const relay = res.body as { viaHttp: Received; viaFetch: Received };
    assert.deepEqual(await app.stop('SIGTERM'), { code: 0, signal: null }, app.stderr());
    const server = otlp.spans.find((s) => s.kind === 2 && s.attributes['url.path'] === '/relay');
    assert.ok(server, `spans: ${JSON.stringify(otlp.spans.map((s) => s.name))}`);
    const clients = otlp.spans.filter((s) => s.kind === 3 && s.traceId === server.traceId);
    assert.equal(clients.length, 2, 'one CLIENT span for http, one for fetch');
    return { server, clients, downstream: [relay.viaHttp, relay.viaFetch], stderr: app.stderr() };
  } finally {
    await otlp.stop();
  }
}

describe('OTEL_PROPAGATORS', function () {
  this.timeout(30000);

  it('tracecontext: the incoming traceparent is the span\'s parent and goes out, baggage does not', async () => {
    const { server, clients, downstream, stderr } = await run('tracecontext');
    assert.equal(stderr, '');
    assert.equal(server.traceId, TRACE);
    assert.equal(server.parentSpanId, PARENT);
    const sent = downstream.map((d) => d.traceparent);
    assert.deepEqual(sent.sort(), clients.map((c) => `00-${TRACE}-${c.spanId}-01`).sort());
    assert.deepEqual(downstream.map((d) => [d.baggage, d.b3]), [[null, null], [null, null]]);
  });

  it('tracecontext,baggage (the default list): the baggage goes out beside the traceparent', async () => {
    const { server, downstream } = await run('tracecontext,baggage');
    assert.equal(server.traceId, TRACE);
    assert.deepEqual(downstream.map((d) => d.baggage), [INCOMING.baggage, INCOMING.baggage]);
  });

  it('none: a new trace for the request, no trace header goes out', async () => {
    const { server, downstream, stderr } = await run('none');
    assert.equal(stderr, '');
    assert.notEqual(server.traceId, TRACE);
    assert.equal(server.parentSpanId, undefined);
    assert.deepEqual(downstream.map(headersOf), [NO_HEADERS, NO_HEADERS]);
  });

  it('b3: named on stderr as unsupported; neither the B3 nor the W3C header is followed or sent', async () => {
    const { server, downstream, stderr } = await run('b3');
    assert.match(stderr, /OTEL_PROPAGATORS.*b3.*not supported/);
    assert.equal(stderr.trim().split('\n').length, 1, stderr);
    assert.notEqual(server.traceId, TRACE);
    assert.notEqual(server.traceId, B3_TRACE);
    assert.equal(server.parentSpanId, undefined);
    assert.deepEqual(downstream.map(headersOf), [NO_HEADERS, NO_HEADERS]);
  });
});
