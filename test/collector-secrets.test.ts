/**
 * The secret-name gate of collector/config.yaml on records AND spans: the
 * real otelcol-filament deletes exactly the attribute names the pattern
 * `(?i)(authorization|cookie|passw(or)?d|secret|token|api[_.-]?key|credential|session)`
 * matches — in any case, including Go's (?i) case folds (ſ ~ s, K ~ k) —
 * and keeps every other name. The pipeline runs that pattern only after a
 * cheap substring check on the lower-cased names (issue 24); this proves the
 * check lets nothing through that the pattern would have caught. One name
 * per record and span: the check is per record, so a name must be alone to
 * be proved.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readArchive, startCollector } from './support/collector';

// The config's pattern, with JavaScript's Unicode case folding (/iu: ſ ~ s, K ~ k, as Go's (?i)).
const SECRET = /(authorization|cookie|passw(or)?d|secret|token|api[_.-]?key|credential|session)/iu;
const NAMES = [
  'authorization', 'Authorization', 'http.request.header.AUTHORIZATION', 'Set-Cookie', 'db.PassWord', 'user.passwd',
  'client_secret', 'x-auth-Token', 'apikey', 'X-API-KEY', 'api.key', 'api-key', 'aws.Credentials', 'SessionId',
  // Unicode case folds of Go's (?i): long s (U+017F) for s, Kelvin sign (U+212A) for k.
  '\u017fession.id', 'api\u212Aey', 'app.\u017fecret',
  // Kept: no secret in the name (some near misses).
  'http.route', 'customer.id', 'messaging.rabbitmq.destination.routing_key', 'api.request.name', 'keyboard.layout',
  'pass.word', 'api__key', 'sess.ion', 'order.number',
];

describe('collector: every name that could hold a secret is deleted from records and spans (real binary)', function () {
  this.timeout(60000);
  const deleted = NAMES.filter((n) => SECRET.test(n));
  const kept = NAMES.filter((n) => !SECRET.test(n));
  // Record / span i carries NAMES[i] and test.index = i.
  const attributes = (i: number) => [{ key: NAMES[i] as string, value: { stringValue: 'x' } }, { key: 'test.index', value: { intValue: i } }];
  /** The names that arrived, from the test.index of each record or span. */
  const arrived = (all: { key: string; value: { intValue?: string | number } }[][]): string[] => all
    .map((kvs) => NAMES[Number(kvs.find((kv) => kv.key === 'test.index')?.value.intValue)] as string)
    .filter((name, k) => (all[k] ?? []).some((kv) => kv.key === name));
  let logKeys: string[];
  let spanKeys: string[];

  before(async () => {
    assert.ok(deleted.includes('\u017fession.id') && deleted.includes('api\u212Aey') && kept.includes('pass.word'), 'the fixture covers the folds');
    const collector = await startCollector();
    const post = async (signal: string, body: unknown): Promise<void> => {
      const res = await fetch(`${collector.httpUrl}/v1/${signal}`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
      });
      assert.equal(res.status, 200, await res.text());
    };
    const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'secrets' } }] };
    await post('logs', { resourceLogs: [{ resource, scopeLogs: [{ scope: { name: 'legacy' }, logRecords: NAMES.map((_, i) => (
      { timeUnixNano: String(1764000000000000001n + BigInt(i)), severityNumber: 9, eventName: 'api.request', attributes: attributes(i) })) }] }] });
    await post('traces', { resourceSpans: [{ resource, scopeSpans: [{ scope: { name: 'legacy' }, spans: NAMES.map((_, i) => ({
      traceId: '5b8efff798038103d269b633813fc60c', spanId: `eee19b7ec3c1b1${String(i).padStart(2, '0')}`, name: 'GET /x', kind: 2,
      startTimeUnixNano: '1764000000000000000', endTimeUnixNano: '1764000000100000000', attributes: attributes(i),
    })) }] }] });
    assert.equal(await collector.stop(), 0, collector.logs());
    const logs = readArchive(collector.archiveDir);
    assert.equal(logs.length, NAMES.length);
    logKeys = arrived(logs.map((l) => Object.entries(l.attributes).map(([key, v]) => ({ key, value: { intValue: v as number } }))));
    type Span = { attributes: { key: string; value: { intValue?: string | number } }[] };
    const spans: Span[] = fs.readFileSync(path.join(collector.archiveDir, 'filament-traces.jsonl'), 'utf8').trim().split('\n')
      .flatMap((line) => (JSON.parse(line) as { resourceSpans: { scopeSpans: { spans: Span[] }[] }[] }).resourceSpans)
      .flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    assert.equal(spans.length, NAMES.length);
    spanKeys = arrived(spans.map((s) => s.attributes));
  });

  it('log records: the matching names deleted, every other name kept', () => {
    assert.deepEqual(deleted.filter((n) => logKeys.includes(n)), []);
    assert.deepEqual(kept.filter((n) => !logKeys.includes(n)), []);
  });

  it('spans: the matching names deleted, every other name kept', () => {
    assert.deepEqual(deleted.filter((n) => spanKeys.includes(n)), []);
    assert.deepEqual(kept.filter((n) => !spanKeys.includes(n)), []);
  });
});
