/**
 * A store that reads a request and never answers (issue 22, item 6), against the real otelcol-filament
 * and the core exporterhelper v0.161.0 that every exporter of ours runs on. The exporter is the OTLP
 * stand-in (`otlphttp`, as the other collector tests swap the store's exporter) with the shipped
 * OpenSearch exporter's exporterhelper settings (collector/config.opensearch.yaml: `timeout`,
 * `retry_on_failure` without a deadline, `sending_queue` on file_storage) — only the durations shortened
 * (shipped: timeout 30s, backoff 1s→30s; here 2s, 200ms→500ms), so the spec stays fast.
 *
 * 1. With retry_on_failure: each attempt ends at `timeout` and the same batch is sent again; nothing is
 *    reported dropped; a stop during the outage leaves the batch on disk; the next process delivers it.
 * 2. Without it — which is what the elasticsearch exporter has (no exporterhelper retry; contrib issue
 *    39670) — the batch is dropped at the first timeout and never arrives. This is why the Elasticsearch
 *    leg puts a hop with this retry in front of that exporter (test/collector-elasticsearch-hung.test.ts).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { BlackHole } from './support/blackHole';
import { waitFor } from '../scripts/lib/procs.cjs';
import { postMarkerLogs, startCollector } from './support/collector';
import { OtlpReceiver } from './support/otlpReceiver';
import { readCollectorYaml, type Yaml } from './support/standin';

const SHIPPED = ((readCollectorYaml('config.opensearch.yaml').exporters as Yaml).opensearch) as Yaml;
const FAST = { timeout: '2s', initial_interval: '200ms', max_interval: '500ms' };

/** config.yaml's logs pipeline → an OTLP/HTTP exporter with the shipped queue and retry, short durations. */
function storeOverlay(dir: string, port: number, retry: boolean): string {
  const shippedRetry = SHIPPED.retry_on_failure as Yaml;
  const exporter = {
    endpoint: `http://127.0.0.1:${port}`,
    encoding: 'json',
    timeout: FAST.timeout,
    retry_on_failure: retry
      ? { ...shippedRetry, initial_interval: FAST.initial_interval, max_interval: FAST.max_interval }
      : { enabled: false },
    sending_queue: SHIPPED.sending_queue,
  };
  const file = path.join(dir, `store-${retry ? 'retry' : 'noretry'}.yaml`);
  fs.writeFileSync(file, stringify({
    exporters: { 'otlphttp/store': exporter },
    service: { pipelines: { logs: { exporters: ['file/archive', 'otlphttp/store'] } } },
  }));
  return file;
}


/** Whether `predicate` came to hold within `ms` (polled every 50 ms). */
const until = (predicate: () => boolean, ms: number): Promise<boolean> =>
  waitFor('the store', ms, () => (predicate() ? true : undefined), 50).catch(() => false);

const DROPPED = /Dropping data|Rejecting data|no more retries left|not retryable error/;

describe('collector: a store that reads and never answers (exporterhelper v0.161.0, real binary)', function () {
  this.timeout(90_000);
  const dirs: string[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  const tmp = (): string => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-hung-'));
    dirs.push(d);
    return d;
  };

  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()?.();
  });
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('retry_on_failure without a deadline: retried after each timeout, kept on disk across a stop, delivered after', async () => {
    const hole = await new BlackHole().start();
    cleanups.push(() => hole.stop());
    const dir = tmp();
    const overlay = storeOverlay(dir, hole.port, true);
    let collector = await startCollector({}, { overlays: [overlay], dir });
    cleanups.push(() => collector.stop());
    const run = `hung-${process.pid}-${Date.now()}`;
    const markers = Array.from({ length: 20 }, (_, i) => `${run}-${i}`);
    await postMarkerLogs(collector, markers);

    // The first attempt hangs until `timeout` (2 s); the same batch is then sent again.
    assert.ok(await until(() => hole.seen(markers[0] as string) >= 2, 15_000),
      `the batch was not retried after the timeout (seen ${hole.seen(markers[0] as string)} times)\n${collector.logs().slice(-2000)}`);
    for (const m of markers) assert.ok(hole.seen(m) >= 2, `${m} was not in the retried request`);
    assert.doesNotMatch(collector.logs(), DROPPED, 'nothing is reported dropped during the outage');
    assert.match(collector.logs(), /Exporting failed\. Will retry the request after interval/);

    // A graceful stop during the outage: the attempt in flight ends at its timeout, the retry is
    // interrupted by the shutdown, and the persistent queue keeps the batch (persistent_queue.go onDone).
    const stoppedAt = Date.now();
    assert.equal(await collector.stop(), 0, collector.logs().slice(-2000));
    const stopMs = Date.now() - stoppedAt;
    assert.ok(stopMs < 10_000, `stop took ${stopMs} ms`);
    const storage = path.join(dir, 'storage');
    const queueFiles = fs.readdirSync(storage).filter((f) => f.includes('otlphttp') && f.includes('store') && f.includes('logs'));
    assert.equal(queueFiles.length, 1, `the exporter's queue file in ${fs.readdirSync(storage).join(', ')}`);
    const queued = fs.readFileSync(path.join(storage, queueFiles[0] as string));
    for (const m of markers) assert.ok(queued.includes(m), `${m} is in the queue file after the stop`);
    const shutdownLines = collector.logs().split('\n').filter((l) => DROPPED.test(l));
    for (const l of shutdownLines) assert.match(l, /interrupted due to shutdown/, 'the only "dropping" line is the interrupted retry, which the queue keeps');

    // The store is healthy again (same port); the next process replays the queue from disk.
    const port = hole.port;
    await hole.stop();
    const store = await new OtlpReceiver().start(port);
    cleanups.push(() => store.stop());
    collector = await startCollector({}, { overlays: [overlay], dir });
    const delivered = (): Set<string> => new Set(store.logs.map((l) => String(l.body)));
    assert.ok(await store.waitFor(() => markers.every((m) => delivered().has(m)), 15_000),
      `${markers.filter((m) => !delivered().has(m)).length} of ${markers.length} records missing after the restart\n${collector.logs().slice(-2000)}`);
    assert.doesNotMatch(collector.logs(), DROPPED);
  });

  it('without retry_on_failure (the elasticsearch exporter has none): the batch is dropped at the first timeout', async () => {
    const hole = await new BlackHole().start();
    cleanups.push(() => hole.stop());
    const dir = tmp();
    const overlay = storeOverlay(dir, hole.port, false);
    let collector = await startCollector({}, { overlays: [overlay], dir });
    cleanups.push(() => collector.stop());
    const run = `lost-${process.pid}-${Date.now()}`;
    const lost = Array.from({ length: 5 }, (_, i) => `${run}-${i}`);
    await postMarkerLogs(collector, lost);
    assert.ok(await until(() => /Exporting failed\. Dropping data/.test(collector.logs()), 15_000), collector.logs().slice(-2000));
    assert.equal(hole.seen(lost[0] as string), 1, 'sent once, never again');

    assert.equal(await collector.stop(), 0);
    const port = hole.port;
    await hole.stop();
    const store = await new OtlpReceiver().start(port);
    cleanups.push(() => store.stop());
    collector = await startCollector({}, { overlays: [overlay], dir });
    const later = `${run}-after-restart`;
    await postMarkerLogs(collector, [later]);
    const bodies = (): string[] => store.logs.map((l) => String(l.body));
    assert.ok(await store.waitFor(() => bodies().includes(later), 15_000), 'the pipeline works after the restart');
    assert.deepEqual(bodies().filter((b) => lost.includes(b)), [], 'the timed-out batch was not kept');
  });
});
