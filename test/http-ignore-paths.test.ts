/**
 * FILAMENT_HTTP_IGNORE_PATHS (docs/settings.md): the listed paths get no span, no event and
 * no metric point; setting the variable replaces the default list.
 */
import assert from 'node:assert/strict';
import { OtlpReceiver, type ReceivedMetric } from './support/otlpReceiver';
import { request, startFixture } from './support/fixture';

describe('preload: FILAMENT_HTTP_IGNORE_PATHS', function () {
  this.timeout(60000);
  const otlp = new OtlpReceiver();
  before(() => otlp.start());
  after(() => otlp.stop());
  beforeEach(() => otlp.clear());

  /** The last export of the duration histogram: cumulative, so it holds every request recorded. */
  function durationPoints(): ReceivedMetric['points'] {
    const exports = otlp.metrics.filter((m) => m.name === 'http.server.request.duration');
    return exports[exports.length - 1]?.points ?? [];
  }
  const countsByRoute = (): Record<string, number> => Object.fromEntries(
    durationPoints().map((p) => [String(p.attributes['http.route']), p.count ?? -1]));
  const requestNames = (): string[] => otlp.events('api.request').map((e) => String(e.attributes['api.request.name'])).sort();

  /** Runs the Express fixture, GETs each path expecting its status, and stops it. */
  async function run(env: Record<string, string>, calls: [string, number][]): Promise<void> {
    const app = await startFixture('http-express.cjs', { otlp: otlp.url, env });
    for (const [p, status] of calls) assert.equal((await request(app.port as number, 'GET', p)).status, status, p);
    assert.equal((await app.stop('SIGTERM')).signal, 'SIGTERM', app.stderr());
    assert.equal(app.stderr(), '');
  }

  it('by default a probe gets no span, no event and no metric point', async () => {
    await run({}, [['/health', 200], ['/health?full=1', 200], ['/orders/ORD-1', 200], ['/health', 200]]);
    assert.deepEqual(requestNames(), ['GET /orders/:orderNumber']);
    assert.deepEqual(otlp.spans.filter((s) => s.kind === 2).map((s) => s.name), ['GET /orders/:orderNumber']);
    assert.deepEqual(countsByRoute(), { '/orders/:orderNumber': 1 });
  });

  it('an override replaces the default list: /health is recorded, the listed paths are not', async () => {
    await run({ FILAMENT_HTTP_IGNORE_PATHS: '/orders/ORD-IGNORED,/unavailable' },
      [['/health', 200], ['/orders/ORD-IGNORED', 200], ['/orders/ORD-2', 200], ['/unavailable', 503], ['/orders/ORD-IGNORED?x=1', 200]]);
    assert.deepEqual(requestNames(), ['GET /health', 'GET /orders/:orderNumber']);
    assert.deepEqual(otlp.events('api.error'), [], '/unavailable (503) is ignored');
    assert.deepEqual(otlp.spans.filter((s) => s.kind === 2).map((s) => s.name).sort(), ['GET /health', 'GET /orders/:orderNumber']);
    assert.deepEqual(otlp.spans.filter((s) => s.kind === 2).map((s) => s.attributes['url.path']).sort(), ['/health', '/orders/ORD-2']);
    assert.deepEqual(countsByRoute(), { '/health': 1, '/orders/:orderNumber': 1 });
  });
});
