/**
 * Filament uses upstream OpenTelemetry packages through their public API only
 * (issue "On OpenTelemetry JS SDK 3 …"): no import of a file behind a package's
 * exports map (`@opentelemetry/<pkg>/build/…` or `…/dist/…`) and no access to an
 * underscore-prefixed member, anywhere in src/ (the one patch there was, of the
 * protobuf serialiser's string path, gave way to our own serialiser:
 * src/export/protobuf/). Checked in the sources and in the bundle
 * services load (dist/preload.js, mapped back to its sources), so nothing slips
 * in through tsc's or esbuild's output either. Needs `npm run build` (the suite's
 * Makefile target builds first).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { SourceMap } from 'node:module';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const SRC = path.join(ROOT, 'src');

/**
 * Underscore-prefixed fields of other systems' documents (not upstream objects): the
 * Elasticsearch/OpenSearch document metadata `filament setup` reads for optimistic concurrency and
 * `filament verify --watch` reads from search hits of the audit index
 * (https://opensearch.org/docs/latest/api-reference/document-apis/index-document/,
 * https://opensearch.org/docs/latest/api-reference/search/).
 */
const DOCUMENT_FIELDS = new Set(['_seq_no', '_primary_term', '_id', '_source']);

/** A deep import of an upstream package's files (its exports map has only "." and named entries). */
const DEEP_IMPORT = /['"]@opentelemetry\/[a-z0-9-]+\/(?:build|dist)\//;
/** `obj._member` or `obj?._member` (not `_name` as an identifier of our own). */
const UNDERSCORE_MEMBER = /\??\.(_[A-Za-z]\w*)/g;

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return /\.m?ts$/.test(e.name) ? [full] : [];
  });
}

/** Code only: comments cannot reach into anything, and ours cite upstream's private names. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

export function violationsInSource(relative: string, text: string): string[] {
  const found: string[] = [];
  withoutComments(text).split('\n').forEach((line, i) => {
    if (DEEP_IMPORT.test(line)) found.push(`${relative}:${i + 1}: deep import: ${line.trim()}`);
    for (const m of line.matchAll(UNDERSCORE_MEMBER)) {
      if (!DOCUMENT_FIELDS.has(m[1] as string)) found.push(`${relative}:${i + 1}: private member ${m[1]}: ${line.trim()}`);
    }
  });
  return found;
}

describe('public API only: no upstream internals in src/', () => {
  it('src/: no deep import of an @opentelemetry package, no underscore-prefixed member', () => {
    const found = sources(SRC).flatMap((file) => violationsInSource(path.relative(ROOT, file), fs.readFileSync(file, 'utf8')));
    assert.deepEqual(found, []);
  });

  it('the check catches both kinds (a deep import, a private field), and not in a comment', () => {
    const reach = "import { ProtobufWriter } from '@opentelemetry/otlp-transformer/build/src/common/protobuf/protobuf-writer';\n"
      + 'const inner = (exporter as Internal)._delegate?._transport;\n';
    assert.equal(violationsInSource(`src${path.sep}sdk.ts`, reach).length, 3);
    assert.equal(violationsInSource(`src${path.sep}patches${path.sep}x.ts`, reach).length, 3);
    assert.deepEqual(violationsInSource(`src${path.sep}sdk.ts`, '// reaches into `_delegate._transport` upstream\n'), []);
  });

  it('dist/preload.js and the bundle it runs: no require of a deep @opentelemetry path; no underscore member in code mapped to our sources', () => {
    const found: string[] = [];
    for (const file of ['preload.js', 'preload-bundle.js']) {
      const bundle = fs.readFileSync(path.join(ROOT, 'dist', file), 'utf8');
      const deep = [...bundle.matchAll(/require\((["'])(@opentelemetry\/[a-z0-9-]+\/(?:build|dist)\/[^"']*)\1\)/g)].map((m) => m[2]);
      assert.deepEqual(deep, []);
      const map = new SourceMap(JSON.parse(fs.readFileSync(path.join(ROOT, 'dist', `${file}.map`), 'utf8')) as never);
      bundle.split('\n').forEach((line, lineNumber) => {
        for (const m of line.matchAll(UNDERSCORE_MEMBER)) {
          if (DOCUMENT_FIELDS.has(m[1] as string)) continue;
          const entry = map.findEntry(lineNumber, (m.index ?? 0) + m[0].indexOf('_')) as { originalSource?: string; originalLine?: number };
          const source = entry.originalSource ?? '';
          if (!source.includes('/src/') || source.includes('node_modules')) continue;
          found.push(`${path.relative(ROOT, path.resolve(path.join(ROOT, 'dist'), source))}:${(entry.originalLine ?? 0) + 1}: ${m[1]}`);
        }
      });
    }
    assert.deepEqual(found, []);
  });
});
