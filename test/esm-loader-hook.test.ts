/**
 * What the ESM loader hook of `--import filament-otel/preload` adds (src/preload.mts):
 * test/preload-esm.test.ts passes without it (Filament's server hook patches
 * http.Server.prototype.emit; Fastify is CommonJS). A named import from node:http is bound at
 * link time, so only the hook (import-in-the-middle) can wrap it: the outgoing call below is a
 * CLIENT span with its traceparent sent under --import, and nothing under --require.
 */
import assert from 'node:assert/strict';
import { OtlpReceiver } from './support/otlpReceiver';
import { request, startFixture } from './support/fixture';

describe('preload: the ESM loader hook (--import)', function () {
  this.timeout(60000);
  const otlp = new OtlpReceiver();
  before(() => otlp.start());
  after(() => otlp.stop());
  beforeEach(() => otlp.clear());

  async function relay(loader: 'import' | 'require'): Promise<{ traceparent: string | null; downstreamPort: number }> {
    const app = await startFixture('esm-outgoing.mjs', { otlp: otlp.url, loader });
    const res = await request(app.port as number, 'GET', '/relay');
    assert.equal(res.status, 200);
    assert.deepEqual(await app.stop('SIGTERM'), { code: 0, signal: null }, app.stderr());
    assert.equal(app.stderr(), '');
    return { ...(res.body as { traceparent: string | null }), downstreamPort: Number(/DOWNSTREAM (\d+)/.exec(app.stdout())?.[1]) };
  }

  it('--import: an outgoing call through a named ESM import of node:http is a CLIENT span, its traceparent sent', async () => {
    const { traceparent, downstreamPort } = await relay('import');
    const clients = otlp.spans.filter((s) => s.kind === 3);
    assert.deepEqual(clients.map((s) => s.attributes['url.full']), [`http://127.0.0.1:${downstreamPort}/stock`]);
    const [client] = clients;
    const served = otlp.spans.find((s) => s.kind === 2 && s.attributes['url.path'] === '/relay');
    assert.equal(client?.parentSpanId, served?.spanId);
    assert.equal(traceparent, `00-${client?.traceId}-${client?.spanId}-01`);
  });

  it('--require alone (no hook): the same call is not instrumented — what the hook adds', async () => {
    const { traceparent } = await relay('require');
    assert.deepEqual(otlp.spans.filter((s) => s.kind === 3), []);
    assert.equal(traceparent, null);
    assert.equal(otlp.spans.filter((s) => s.kind === 2).length, 2, 'the server side is instrumented either way');
  });
});
