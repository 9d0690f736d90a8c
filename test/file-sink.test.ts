/** sinks/fileSink.ts: the ADR's size and age limits on the local JSON-lines files. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { RotatingFileLogExporter } from '../src/sinks/fileSink';

describe('unit: rotating file sink', () => {
  const record = (i: number): ReadableLogRecord => ({
    hrTime: [1_700_000_000 + i, 0], hrTimeObserved: [1_700_000_000 + i, 0], severityNumber: 9, severityText: 'INFO',
    eventName: 'order.status_changed', body: undefined, attributes: { 'order.number': `ORD-${i}`, pad: 'x'.repeat(300) },
    droppedAttributesCount: 0, resource: resourceFromAttributes({ 'service.name': 'unit' }),
    instrumentationScope: { name: 'filament-otel' },
  });

  it('never lets a file exceed maxBytes and keeps at most maxFiles', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-sink-'));
    const sink = new RotatingFileLogExporter({ dir, maxBytes: 4096, maxAgeDays: 180, maxFiles: 5 });
    for (let batch = 0; batch < 20; batch++) {
      await new Promise<void>((resolve, reject) => sink.export(
        Array.from({ length: 10 }, (_, i) => record(batch * 10 + i)),
        (r) => (r.code === 0 ? resolve() : reject(r.error))));
    }
    await sink.shutdown();
    const files = fs.readdirSync(dir);
    assert.equal(files.length, 5);
    for (const f of files) assert.ok(fs.statSync(path.join(dir, f)).size <= 4096, f);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('deletes rotated files older than maxAgeDays', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-sink-'));
    const old = path.join(dir, 'filament-events-2020-01-01T00-00-00-000Z-0000.jsonl');
    fs.writeFileSync(old, '{}\n');
    const longAgo = new Date(Date.now() - 181 * 24 * 3600 * 1000);
    fs.utimesSync(old, longAgo, longAgo);
    const sink = new RotatingFileLogExporter({ dir, maxBytes: 4096, maxAgeDays: 180, maxFiles: 100 });
    await new Promise<void>((resolve) => sink.export([record(1)], () => resolve()));
    await sink.shutdown();
    assert.deepEqual(fs.readdirSync(dir), ['filament-events.jsonl']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
