// The `fastify-otel` opt-in (src/instrumentations.ts): listed in OTEL_NODE_ENABLED_INSTRUMENTATIONS,
// @fastify/otel, resolved from the app, hooks the Fastify instance with no app change and adds a span for
// the request and one for its handler under Filament's SERVER span. Without it there are none (the default).
import assert from 'node:assert/strict';
import { OtlpReceiver, type ReceivedSpan } from './support/otlpReceiver';
import { request, startFixture } from './support/fixture';

/** The spans of one priced-model request through http-fastify.mjs with the given instrumentation list. */
async function spansOfOneRequest(enabled: string | undefined): Promise<{ spans: ReceivedSpan[]; stderr: string }> {
  const otlp = await new OtlpReceiver().start();
  try {
    const app = await startFixture('http-fastify.mjs', {
      loader: 'import', otlp: otlp.url, env: { OTEL_NODE_ENABLED_INSTRUMENTATIONS: enabled },
    });
    const res = await request(app.port as number, 'POST', '/v1/models/m-7/price', { polygons: 10 });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(await app.stop('SIGINT'), { code: 0, signal: null }, app.stderr());
    const server = otlp.spans.find((s) => s.kind === 2 && s.name === 'POST /v1/models/:modelId/price');
    assert.ok(server, `spans: ${JSON.stringify(otlp.spans.map((s) => s.name))}`);
    return { spans: otlp.spans.filter((s) => s.traceId === server.traceId), stderr: app.stderr() };
  } finally {
    await otlp.stop();
  }
}

describe('fastify-otel opt-in (@fastify/otel)', function () {
  this.timeout(30000);

  it('enabled: a request span under the SERVER span and a handler span under it', async () => {
    const { spans, stderr } = await spansOfOneRequest('http,fastify,fastify-otel');
    assert.equal(stderr, '');
    const server = spans.find((s) => s.kind === 2) as ReceivedSpan;
    const requestSpan = spans.find((s) => s.name === 'request');
    assert.ok(requestSpan, `spans: ${JSON.stringify(spans.map((s) => s.name))}`);
    // INTERNAL: @fastify/otel sees Filament's SERVER span and does not make a second one.
    assert.equal(requestSpan.kind, 1);
    assert.equal(requestSpan.parentSpanId, server.spanId);
    const handler = spans.find((s) => s.attributes['fastify.type'] === 'request-handler');
    assert.ok(handler, `spans: ${JSON.stringify(spans.map((s) => [s.name, s.attributes['fastify.type']]))}`);
    assert.equal(handler.parentSpanId, requestSpan.spanId);
    assert.equal(handler.attributes['http.route'], '/v1/models/:modelId/price');
  });

  it('not listed (the default): no hook spans, only the SERVER span', async () => {
    const { spans } = await spansOfOneRequest(undefined);
    assert.deepEqual(spans.map((s) => [s.kind, s.name]), [[2, 'POST /v1/models/:modelId/price']]);
  });
});
