/** semconv.ts: the rules every event and attribute name follows (src/semconv.ts header). */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as semconv from '../src/semconv';

describe('unit: semantic conventions contract', () => {
  it('no attribute name is a dotted prefix of another (Elasticsearch object/leaf clash)', () => {
    const names = semconv.ALL_ATTRIBUTE_NAMES;
    for (const a of names) for (const b of names) assert.ok(a === b || !b.startsWith(`${a}.`), `${a} is a prefix of ${b}`);
    assert.equal(new Set(names).size, names.length);
  });

  it('durations carry their unit', () => {
    for (const n of semconv.ALL_ATTRIBUTE_NAMES) if (/time|duration/.test(n)) assert.match(n, /_ms$/, n);
  });

  it('docs/events.md lists every event and attribute name', () => {
    const doc = fs.readFileSync(path.join(__dirname, '..', 'docs', 'events.md'), 'utf8');
    for (const n of [...semconv.EVENT_NAMES, ...semconv.ALL_ATTRIBUTE_NAMES]) assert.ok(doc.includes(`\`${n}\``), n);
  });

});
