/**
 * Every key under the elasticsearch and opensearch exporters in the shipped collector configs is one the
 * exporter documents at the pinned version (collector/exporter-keys/*.txt, each with its source). Core
 * v0.161 cannot catch a misspelled key there (confighttp's own Unmarshal makes confmap ignore unused keys
 * of exporters that squash it), and neither exporter can be built here to try. Static: no binary, no network.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ROOT } from './support/fixture';
import { exportersOfType, loadKeyList, unknownKeys, type KeyList } from './support/exporterKeys';

const COLLECTOR = path.join(ROOT, 'collector');
const KEYS = path.join(COLLECTOR, 'exporter-keys');
/** collector/builder-config.yaml and the compose image pin contrib v0.161.0. */
const VERSION = 'v0.161.0';
/** The store exporters, and otlphttp (config.elasticsearch.yaml's hop to the store; it squashes confighttp too). */
const TYPES = ['elasticsearch', 'opensearch', 'otlphttp'] as const;

/** Every shipped collector config and the compose file(s), parsed. */
function shippedDocuments(): [string, unknown][] {
  const files = fs.readdirSync(COLLECTOR).filter((f) => /\.ya?ml$/.test(f) && f !== 'builder-config.yaml');
  return files.flatMap((f) =>
    parseAllDocuments(fs.readFileSync(path.join(COLLECTOR, f), 'utf8')).map((d): [string, unknown] => [f, d.toJS()]));
}

describe('collector: exporter keys are the ones the pinned exporter version documents', () => {
  const lists = new Map<string, KeyList>(TYPES.map((t) => [t, loadKeyList(KEYS, t, VERSION)]));
  const found = shippedDocuments().flatMap(([file, doc]) =>
    exportersOfType(doc, TYPES).map(([where, settings]): [string, string, unknown] => [`${file}: ${where}`, where.split('.').pop()?.split('/')[0] as string, settings]));

  it('the shipped configs have elasticsearch and opensearch exporters to check', () => {
    const types = new Set(found.map(([, type]) => type));
    assert.deepEqual([...types].sort(), [...TYPES], found.map(([w]) => w).join(', '));
  });

  it('every key under them is documented (nested keys by path)', () => {
    const unknown = found.flatMap(([where, type, settings]) =>
      unknownKeys(settings, lists.get(type) as KeyList).map((k) => `${where}.${k}`));
    assert.deepEqual(unknown, [], `keys the ${VERSION} exporters do not document (a typo is silently ignored by the collector)`);
  });

  it('finds an injected typo, at the top and nested, and a key from the wrong exporter', () => {
    const es = parse(fs.readFileSync(path.join(COLLECTOR, 'config.elasticsearch.yaml'), 'utf8')) as {
      exporters: { elasticsearch: Record<string, unknown> & { retry: Record<string, unknown> } };
    };
    const settings = es.exporters.elasticsearch;
    settings.timout = '90s';
    settings.retry.max_retires = 5;
    // exporterhelper's retry exists on the opensearch exporter, not on this one: silently ignored there.
    settings.retry_on_failure = { enabled: true, max_elapsed_time: 0 };
    const unknown = exportersOfType(es, ['elasticsearch']).flatMap(([, s]) => unknownKeys(s, lists.get('elasticsearch') as KeyList));
    assert.deepEqual(unknown.sort(), ['retry.max_retires', 'retry_on_failure.enabled', 'retry_on_failure.max_elapsed_time', 'timout']);
  });

  it('finds a typo under the hop to the store (otlphttp/elasticsearch), which validate passes', () => {
    const es = parse(fs.readFileSync(path.join(COLLECTOR, 'config.elasticsearch.yaml'), 'utf8')) as {
      exporters: Record<string, Record<string, unknown> & { retry_on_failure: Record<string, unknown> }>;
    };
    const hop = es.exporters['otlphttp/elasticsearch'];
    assert.ok(hop, 'config.elasticsearch.yaml has the hop');
    assert.deepEqual(unknownKeys(hop, lists.get('otlphttp') as KeyList), [], 'the shipped hop is clean');
    hop.timout = '30s';
    hop.retry_on_failure.max_elapsed_tim = 0;
    assert.deepEqual(unknownKeys(hop, lists.get('otlphttp') as KeyList).sort(), ['retry_on_failure.max_elapsed_tim', 'timout']);
  });

  it('the lists name their source and version', () => {
    for (const f of fs.readdirSync(KEYS)) {
      const text = fs.readFileSync(path.join(KEYS, f), 'utf8');
      assert.match(text, /v0\.161\.0/, f);
      assert.match(text, /config\.go|client\.go|generated_config\.go/, f);
    }
  });
});
