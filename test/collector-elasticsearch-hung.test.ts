/**
 * The Elasticsearch leg against a store that reads a request and never answers (issue 22, item 6), with
 * the real otelcol-filament and the shipped collector/config.yaml + config.elasticsearch.yaml. As in
 * test/collector-elasticsearch.test.ts the elasticsearch exporter (not buildable here) is swapped for an
 * OTLP stand-in — given the exporter's shipped exporterhelper settings (`sending_queue.enabled: false`,
 * no `retry_on_failure`, which it does not have) so that, like the exporter at v0.161.0, it runs each
 * request synchronously and returns the store's error to the hop's receiver. Everything else is shipped
 * as is: the loopback hop (otlphttp/elasticsearch → otlp/elasticsearch_hop) with its timeout, retry
 * without deadline and persistent queue. Durations shortened (shipped: store 25s, hop 30s, backoff
 * 1s→30s; here 1.5s, 2s, 200ms→500ms) so the spec stays fast.
 *
 * What only the real exporter can show (that it returns the error synchronously in that mode) is
 * scripts/compose-hung-store.sh, for Docker hosts; not run here.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { BlackHole } from './support/blackHole';
import { waitFor } from '../scripts/lib/procs.cjs';
import { postMarkerLogs, startCollector } from './support/collector';
import { OtlpReceiver } from './support/otlpReceiver';
import { readCollectorYaml, standInOverlay, type Yaml } from './support/standin';

const HOP = 'otlphttp/elasticsearch';
const SHIPPED_ES = (readCollectorYaml('config.elasticsearch.yaml').exporters as Yaml).elasticsearch as Yaml;

/** The shipped overlay, store swapped for the stand-in → `port`, durations shortened. */
function overlay(dir: string, port: number): string {
  const file = standInOverlay('config.elasticsearch.yaml', 'elasticsearch', `http://127.0.0.1:${port}`, dir);
  const doc = parse(fs.readFileSync(file, 'utf8')) as { exporters: Record<string, Yaml> };
  const hop = doc.exporters[HOP] as Yaml;
  hop.timeout = '2s';
  hop.retry_on_failure = { ...(hop.retry_on_failure as Yaml), initial_interval: '200ms', max_interval: '500ms' };
  doc.exporters['otlphttp/standin'] = {
    ...doc.exporters['otlphttp/standin'],
    timeout: '1500ms',
    sending_queue: SHIPPED_ES.sending_queue,
    retry_on_failure: { enabled: false },
  };
  fs.writeFileSync(file, stringify(doc));
  return file;
}


const until = (predicate: () => boolean, ms: number): Promise<boolean> =>
  waitFor('the store', ms, () => (predicate() ? true : undefined), 50).catch(() => false);

/** Lines of the hop exporter that say a batch was given up (the only loss this leg could have). */
function hopDropped(logs: string): string[] {
  return logs.split('\n').filter((l) => l.includes(HOP) && /Dropping data|Rejecting data|no more retries left|not retryable error/.test(l));
}

/** Delivered copies per marker and the document id each copy carried. */
function deliveredIds(store: OtlpReceiver): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const l of store.logs) {
    const key = String(l.body);
    out.set(key, [...(out.get(key) ?? []), String(l.attributes['elasticsearch.document_id'])]);
  }
  return out;
}

describe('collector: the Elasticsearch leg with a store that reads and never answers (real binary, stand-in store)', function () {
  this.timeout(60_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-es-hung-'));
  const cleanups: (() => Promise<unknown>)[] = [];

  after(async () => {
    while (cleanups.length > 0) await cleanups.pop()?.();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('each attempt ends at the short timeout and is retried; healthy again → every record arrives, none dropped; a stop during the hang keeps the queue on disk and the restart delivers it', async () => {
    let hole = await new BlackHole().start();
    cleanups.push(() => hole.stop());
    const port = hole.port;
    const file = overlay(dir, port);
    let collector = await startCollector({}, { overlays: [file], dir });
    cleanups.push(() => collector.stop());
    const run = `eshung-${process.pid}-${Date.now()}`;

    // 1. Hung, then healthy, in one process.
    const first = Array.from({ length: 20 }, (_, i) => `${run}-a${i}`);
    await postMarkerLogs(collector, first);
    assert.ok(await until(() => hole.seen(first[0] as string) >= 2, 15_000),
      `the batch was not sent again after the store's timeout (seen ${hole.seen(first[0] as string)} times)\n${collector.logs().slice(-3000)}`);
    assert.match(collector.logs(), /Exporting failed\. Will retry the request after interval/);
    assert.deepEqual(hopDropped(collector.logs()), [], 'the hop gives nothing up while the store hangs');

    await hole.stop();
    const store = await new OtlpReceiver().start(port);
    cleanups.push(() => store.stop());
    assert.ok(await store.waitFor(() => first.every((m) => deliveredIds(store).has(m)), 15_000),
      `${first.filter((m) => !deliveredIds(store).has(m)).length} of ${first.length} records missing after the store recovered\n${collector.logs().slice(-3000)}`);

    // 2. Hung again; a SIGTERM during the hang.
    await store.stop();
    hole = await new BlackHole().start(port);
    const second = Array.from({ length: 20 }, (_, i) => `${run}-b${i}`);
    await postMarkerLogs(collector, second);
    assert.ok(await until(() => hole.seen(second[0] as string) >= 1, 15_000), collector.logs().slice(-3000));
    const stoppedAt = Date.now();
    assert.equal(await collector.stop(), 0, collector.logs().slice(-3000));
    const stopMs = Date.now() - stoppedAt;
    assert.ok(stopMs < 10_000, `stop took ${stopMs} ms`);
    assert.deepEqual(hopDropped(collector.logs()).filter((l) => !/interrupted due to shutdown/.test(l)), [],
      'the only "dropping" line of the hop is the interrupted retry, which the queue keeps');
    const storage = path.join(dir, 'storage');
    const queueFiles = fs.readdirSync(storage).filter((f) => f.includes('otlphttp') && f.includes('elasticsearch') && f.includes('logs'));
    assert.equal(queueFiles.length, 1, `the hop's queue file in ${fs.readdirSync(storage).join(', ')}`);
    const queued = fs.readFileSync(path.join(storage, queueFiles[0] as string));
    for (const m of second) assert.ok(queued.includes(m), `${m} is in the hop's queue file after the stop`);

    // 3. The store is healthy; the next process replays the hop's queue from disk.
    await hole.stop();
    const after = await new OtlpReceiver().start(port);
    cleanups.push(() => after.stop());
    collector = await startCollector({}, { overlays: [file], dir });
    assert.ok(await after.waitFor(() => second.every((m) => deliveredIds(after).has(m)), 15_000),
      `${second.filter((m) => !deliveredIds(after).has(m)).length} of ${second.length} records missing after the restart\n${collector.logs().slice(-3000)}`);
    assert.deepEqual(hopDropped(collector.logs()), []);

    // Copies beyond the first are possible (an attempt the store finished but never answered); each copy
    // carries the record's one document id, so Elasticsearch's `create` refuses the second with a 409.
    for (const receiver of [store, after]) {
      for (const [marker, ids] of deliveredIds(receiver)) {
        assert.equal(new Set(ids).size, 1, `${marker}: every copy has the same document id (${ids.join(', ')})`);
        assert.notEqual(ids[0], 'undefined', `${marker} has a document id`);
      }
    }
    const all = [...deliveredIds(store).values(), ...deliveredIds(after).values()].map((ids) => ids[0]);
    assert.equal(new Set(all).size, first.length + second.length, 'distinct records, distinct ids');
  });
});
