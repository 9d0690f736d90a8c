/**
 * Nothing lost when the destination behind the collector is down: the real
 * otelcol-filament with the analyzer fan-out (collector/config.analyzer.yaml:
 * persistent sending queue on file_storage, retries without a deadline) in
 * front of an OTLP receiver that answers 503 for 12 s, then refuses
 * connections across a collector restart. Traffic comes from a service under
 * the preload; each request carries its own trace id, so every api.request
 * event can be accounted for.
 *
 * The Elasticsearch leg's hop to its store (otlphttp/elasticsearch in
 * config.elasticsearch.yaml) uses the same exporterhelper queue and retry; the
 * exporter behind it cannot be built here; see docs/collector.md.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sleep, waitFor } from '../scripts/lib/procs.cjs';
import { startCollector, type RunningCollector } from './support/collector';
import { request, startFixture, type RunningFixture } from './support/fixture';
import { OtlpReceiver } from './support/otlpReceiver';

/**
 * The outage: long enough for the exporter's backoff (config.analyzer.yaml: 0.5 s, growing 1.5× with
 * jitter, at most 5 s) to climb to its 5 s cap and retry there — every step of the retry logic a longer
 * outage would exercise (max_elapsed_time: 0, so no deadline ends it either way).
 */
const OUTAGE_MS = 12_000;

const traceparent = (traceId: string): string => `00-${traceId}-${randomBytes(8).toString('hex')}-01`;

describe('collector: persistent queue to the analyzer survives an outage and a restart', function () {
  this.timeout(5 * 60 * 1000);
  let receiver: OtlpReceiver;
  let collector: RunningCollector;
  let app: RunningFixture;
  const sent: string[] = [];

  async function traffic(count: number, spreadMs: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const traceId = randomBytes(16).toString('hex');
      sent.push(traceId);
      const res = await request(app.port as number, 'GET', `/orders/ORD-${sent.length}`, undefined, { traceparent: traceparent(traceId) });
      assert.equal(res.status, 200);
      await sleep(spreadMs / count); // spreads the traffic over the outage
    }
  }

  const delivered = (): Map<string, number> => {
    const seen = new Map<string, number>();
    for (const l of receiver.events('api.request')) if (l.traceId) seen.set(l.traceId, (seen.get(l.traceId) ?? 0) + 1);
    return seen;
  };

  before(async () => {
    receiver = await new OtlpReceiver().start();
    receiver.failStatus = 503;
    collector = await startCollector(
      { FILAMENT_ANALYZER_ENDPOINT: receiver.url, FILAMENT_ANALYZER_ENCODING: 'json' },
      { overlays: ['config.analyzer.yaml'] },
    );
    app = await startFixture('http-express.cjs', {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.httpUrl, OTEL_SERVICE_NAME: 'orders', OTEL_BLRP_SCHEDULE_DELAY: '100' },
    });
  });

  after(async () => {
    await app?.stop();
    await collector?.stop();
    await receiver?.stop();
  });

  it(`503 for ${OUTAGE_MS / 1000} s while traffic continues: afterwards every event arrives, none twice`, async () => {
    await traffic(150, OUTAGE_MS);
    assert.ok(receiver.refused > 0, 'the collector tried to deliver during the outage');
    // The outage was in this traffic's path: its records were offered and refused, so what
    // arrives below was held and retried by the collector, not sent for the first time.
    const offered = sent.filter((t) => receiver.refusedLogTraceIds.has(t)).length;
    assert.ok(offered > 0, `none of the ${sent.length} api.request records was offered during the outage (refused ${receiver.refused} requests)`);
    receiver.failStatus = undefined;
    const ok = await receiver.waitFor(() => sent.every((t) => delivered().has(t)), 30000);
    const seen = delivered();
    assert.ok(ok, `${sent.filter((t) => !seen.has(t)).length} of ${sent.length} events missing after recovery (received ${receiver.logs.length} records, rejected ${JSON.stringify(receiver.rejected.slice(0, 3))}, refused ${receiver.refused})\n${collector.logs().slice(-3000)}`);
    assert.deepEqual([...seen.values()].filter((n) => n > 1), [], 'no duplicates when the destination answered 503');
  });

  it('a collector restart with queued data: the queue on disk is delivered by the next process', async () => {
    const port = Number(new URL(receiver.url).port);
    await receiver.stop(); // connection refused from now on
    const before = sent.length;
    await traffic(60, 3000);
    // The batch (timeout 1 s) reaches the exporter, is refused (connection refused) and queued for a retry.
    const retries = (): number => (collector.logs().match(/Exporting failed\. Will retry/g) ?? []).length;
    const retriedBefore = retries();
    await waitFor('a failed export of the new traffic, queued for a retry', 15_000, () => (retries() > retriedBefore ? true : undefined));
    assert.equal(await collector.stop(), 0, collector.logs());
    collector = await startCollector(
      { FILAMENT_ANALYZER_ENDPOINT: receiver.url, FILAMENT_ANALYZER_ENCODING: 'json' },
      { overlays: ['config.analyzer.yaml'], dir: collector.dir },
    );
    await receiver.start(port);
    const restartBatch = sent.slice(before);
    const ok = await receiver.waitFor(() => restartBatch.every((t) => delivered().has(t)), 30000);
    assert.ok(ok, `${restartBatch.filter((t) => !delivered().has(t)).length} of ${restartBatch.length} events lost across the restart`);
  });
});
