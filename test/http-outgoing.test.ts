/**
 * Outgoing HTTP is instrumented by default (docs/settings.md, "Instrumentations"): node:http through
 * @opentelemetry/instrumentation-http, fetch through @opentelemetry/instrumentation-undici.
 * Each call is a CLIENT span child of the request being served, carries its traceparent to the
 * callee, and records http.client.request.duration.
 */
import assert from 'node:assert/strict';
import { OtlpReceiver, type ReceivedSpan } from './support/otlpReceiver';
import { request, startFixture } from './support/fixture';

type Relay = { viaHttp: { path: string; traceparent: string | null }; viaFetch: { path: string; traceparent: string | null } };

describe('preload: outgoing HTTP (node:http and fetch/undici)', function () {
  this.timeout(60000);
  const otlp = new OtlpReceiver();
  let relay: Relay;
  let downstreamPort: number;

  before(async () => {
    await otlp.start();
    const app = await startFixture('http-outgoing.cjs', { otlp: otlp.url });
    downstreamPort = Number(/DOWNSTREAM (\d+)/.exec(app.stdout())?.[1]);
    const res = await request(app.port as number, 'GET', '/relay');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    relay = res.body as Relay;
    assert.deepEqual(await app.stop('SIGTERM'), { code: 0, signal: null }, app.stderr());
    assert.equal(app.stderr(), '');
  });
  after(() => otlp.stop());

  type Point = { attributes: Record<string, string | number>; count: number };
  type SentPoint = { attributes: { key: string; value: { intValue?: string | number; stringValue?: string } }[]; count: string | number };
  type SentMetrics = { scopeMetrics: { scope: { name: string }; metrics: { name: string; histogram?: { dataPoints: SentPoint[] } }[] }[] }[];

  /** The histograms one instrumentation scope exported, from the OTLP requests as sent. */
  function histogramsOfScope(scope: string, name: string): Point[][] {
    const out: Point[][] = [];
    for (const r of otlp.requests.filter((q) => q.path.endsWith('/v1/metrics'))) {
      for (const rm of r.body.resourceMetrics as SentMetrics) {
        for (const sm of rm.scopeMetrics.filter((s) => s.scope.name === scope)) {
          for (const m of sm.metrics.filter((x) => x.name === name)) {
            out.push((m.histogram?.dataPoints ?? []).map((p) => ({
              attributes: Object.fromEntries(p.attributes.map((a) => [a.key, a.value.stringValue ?? Number(a.value.intValue)])),
              count: Number(p.count),
            })));
          }
        }
      }
    }
    return out;
  }

  for (const [via, scope] of [['http', '@opentelemetry/instrumentation-http'], ['fetch', '@opentelemetry/instrumentation-undici']] as const) {
    it(`${via}: a CLIENT span under the served request, its traceparent sent, and a duration point`, () => {
      const url = `http://127.0.0.1:${downstreamPort}/stock/${via}`;
      const client = otlp.spans.find((s) => s.kind === 3 && s.attributes['url.full'] === url);
      assert.ok(client, `client spans: ${JSON.stringify(otlp.spans.filter((s) => s.kind === 3).map((s) => s.attributes['url.full']))}`);
      assert.equal(client.name, 'GET');
      assert.equal(client.attributes['http.request.method'], 'GET');
      assert.equal(client.attributes['server.address'], '127.0.0.1');
      assert.equal(client.attributes['server.port'], downstreamPort);
      assert.equal(client.attributes['http.response.status_code'], 200);
      const served = otlp.spans.find((s) => s.kind === 2 && s.attributes['url.path'] === '/relay') as ReceivedSpan;
      assert.equal(client.parentSpanId, served.spanId);
      assert.equal(client.traceId, served.traceId);
      // The callee got the client span as parent, and continued that trace.
      const received = via === 'http' ? relay.viaHttp : relay.viaFetch;
      assert.equal(received.traceparent, `00-${client.traceId}-${client.spanId}-01`);
      const callee = otlp.spans.find((s) => s.kind === 2 && s.attributes['url.path'] === `/stock/${via}`);
      assert.equal(callee?.parentSpanId, client.spanId);

      const exports = histogramsOfScope(scope, 'http.client.request.duration');
      assert.deepEqual(exports[exports.length - 1]?.map((p) => [p.attributes['server.port'], p.attributes['http.response.status_code'], p.count]),
        [[downstreamPort, 200, 1]]);
    });
  }
});
