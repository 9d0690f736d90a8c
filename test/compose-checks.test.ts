/**
 * scripts/lib/compose-checks.sh decides the verdict of both Docker-host scripts (compose-e2e.sh,
 * compose-hung-store.sh): per event, lost when Elasticsearch holds fewer documents than the
 * collector accepted (distinct document ids in its archive), twice when it holds more than the
 * services emitted. The scripts cannot run here (no Docker engine), so their verdict is run here
 * against stand-ins: `docker` prints an archive, `curl` answers Elasticsearch's `_count`, and the
 * services' local copy is a demo-output/ folder — the same functions, the same bash.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from './support/fixture';

/** One OTLP/JSON archive line with a log record per id (the collector's file/archive format). */
function archiveLine(event: string, ids: string[]): string {
  return JSON.stringify({
    resourceLogs: [{
      scopeLogs: [{
        logRecords: ids.map((id) => ({ eventName: event, attributes: [{ key: 'elasticsearch.document_id', value: { stringValue: id } }] })),
      }],
    }],
  });
}

interface Verdict { code: number | null; out: string }

/**
 * Runs check_counts for `order.status_changed` with `accepted` ids in the archive (one id twice:
 * a batch the collector received again), `stored` documents in Elasticsearch and `emitted` lines
 * in the services' copy.
 */
function verdict(accepted: number, stored: number, emitted: number): Verdict {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-compose-checks-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const ids = Array.from({ length: accepted }, (_, i) => `id-${i}`);
  const archive = path.join(dir, 'archive.jsonl');
  fs.writeFileSync(archive, `${archiveLine('order.status_changed', ids)}\n${archiveLine('order.status_changed', ids.slice(0, 1))}\n{"cut by a kill`);
  // docker run … cat /v/archive/… → the archive; anything else fails, as an unknown call should.
  fs.writeFileSync(path.join(bin, 'docker'), `#!/bin/sh\ncase "$*" in *"cat /v/archive/"*) cat '${archive}';; *) exit 97;; esac\n`, { mode: 0o755 });
  // curl … /_count → {"count": stored}; /_refresh → {}; the query must name the event.
  fs.writeFileSync(path.join(bin, 'curl'), [
    '#!/bin/sh',
    'case "$*" in',
    `  *"/logs-filament.orders.otel-*/_count"*'q=event_name:"order.status_changed"'*) echo '{"count":${stored}}';;`,
    '  *"/_refresh"*) echo "{}";;',
    '  *) exit 98;;',
    'esac',
  ].join('\n') + '\n', { mode: 0o755 });
  const events = path.join(dir, 'demo-output', 'events', 'orders');
  fs.mkdirSync(events, { recursive: true });
  fs.writeFileSync(path.join(events, 'orders.jsonl'),
    Array.from({ length: emitted }, (_, i) => JSON.stringify({ event_name: 'order.status_changed', n: i })).join('\n') + '\n{"event_name":"api.request"}\n');
  const script = `
    say() { printf 'check: %s\\n' "$*"; }
    fail() { say "FAIL: $*"; exit 1; }
    COMPOSE=(docker compose -f collector/docker-compose.yml); ES=http://127.0.0.1:9200; AUTH=(-u elastic:x)
    source '${path.join(ROOT, 'scripts', 'lib', 'compose-checks.sh')}'
    declare -A STREAM=([order.status_changed]=logs-filament.orders.otel-*)
    check_counts 0
    say PASS`;
  const run = spawnSync('bash', ['-c', script], {
    cwd: dir, encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` }, timeout: 20000,
  });
  fs.rmSync(dir, { recursive: true, force: true });
  return { code: run.status, out: `${run.stdout}${run.stderr}` };
}

describe('scripts/lib/compose-checks.sh: the Docker scripts\' verdict (stand-ins for docker and Elasticsearch)', () => {
  it('all the collector accepted is stored, none more than emitted: it passes and says the three counts', () => {
    const v = verdict(5, 5, 6);
    assert.equal(v.code, 0, v.out);
    assert.match(v.out, /order\.status_changed: 5 in logs-filament\.orders\.otel-\*; accepted by the collector 5, emitted by the services 6/);
    assert.match(v.out, /check: PASS/);
  });

  it('one document fewer than the collector accepted: lost, named, exit 1', () => {
    const v = verdict(5, 4, 6);
    assert.equal(v.code, 1, v.out);
    assert.match(v.out, /FAIL: order\.status_changed: 4 documents in logs-filament\.orders\.otel-\* for 5 accepted by the collector, after 0 s \(lost or late\)/);
  });

  it('more documents than the services emitted: duplicated, named, exit 1', () => {
    const v = verdict(5, 7, 6);
    assert.equal(v.code, 1, v.out);
    assert.match(v.out, /FAIL: order\.status_changed: 7 documents .* for 6 emitted by the services \(duplicated\)/);
  });

  it('an event the collector never accepted fails rather than passing on 0 = 0', () => {
    const v = verdict(0, 0, 3);
    assert.equal(v.code, 1, v.out);
    assert.match(v.out, /FAIL: the collector accepted no order\.status_changed \(the services emitted 3\)/);
  });
});
