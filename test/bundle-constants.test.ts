/**
 * Semantic-convention names are inlined into the bundle (scripts/lib/inline-constants.mjs, run by
 * scripts/bundle.mjs): a read of `semconv_1.NAME` or `semantic_conventions_1.NAME` in src/'s files
 * becomes NAME's value, and an attribute key made of one a plain key, so the request path builds its
 * attribute sets from boilerplates instead of key by key (docs/benchmarks.md, "Semantic-convention
 * names inlined"). The exported names themselves are checked through the real path by every
 * event, HTTP and AMQP test; here: the rewrite's edges, and that the built bundle has it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as semanticConventions from '@opentelemetry/semantic-conventions';
import * as semconv from '../src/semconv';
// @ts-expect-error -- a build script in plain JavaScript, without declarations
import { inlineConstants } from '../scripts/lib/inline-constants.mjs';
import { ROOT } from './support/fixture';

type Inline = (source: string, valuesOf: (specifier: string) => Record<string, unknown> | undefined) => { source: string; reads: number };
const inline = inlineConstants as Inline;

describe('bundle: semantic-convention names inlined', () => {
  const values: Record<string, unknown> = { ATTR_A: 'a.b', PORT: 3, MINUS: -1, fn: () => 1, LIST: ['x'], NAN: Number.NaN };
  const valuesOf = (specifier: string) => (specifier === './semconv' ? values : undefined);

  it('rewrites reads and object-literal keys of a constants module, and nothing else', () => {
    const source = [
      'const semconv_1 = require("./semconv");',
      'const other_1 = require("./other");',
      'const a = { [semconv_1.ATTR_A]: 1, b: semconv_1.ATTR_A, [other_1.ATTR_A]: 2, port: semconv_1.PORT };',
      'const g = {\n  k: 1,\n  // a comment, with { and ,\n  /* another */ [semconv_1.ATTR_A]: 2,\n};',
      'const c = x ? y[semconv_1.ATTR_A] : z;',
      'const d = (0, semconv_1.fn)(1) + semconv_1.fn();',
      'const e = semconv_1.LIST.concat(semconv_1.NAN, semconv_1.ATTR_MISSING);',
      'const f = q.semconv_1.ATTR_A + `${semconv_1.ATTR_A}` + (semconv_1.ATTR_A === s);',
      'const h = -semconv_1.MINUS;',
    ].join('\n');
    const { source: out, reads } = inline(source, valuesOf);
    assert.equal(out, [
      'const semconv_1 = require("./semconv");',
      'const other_1 = require("./other");',
      'const a = { "a.b": 1, b: "a.b", [other_1.ATTR_A]: 2, port: 3 };',
      // tsc keeps the source's comments between members.
      'const g = {\n  k: 1,\n  // a comment, with { and ,\n  /* another */ "a.b": 2,\n};',
      // An element access inside a conditional is not an object-literal key.
      'const c = x ? y["a.b"] : z;',
      // Calls, non-primitive values, NaN and names the module does not export stay reads.
      'const d = (0, semconv_1.fn)(1) + semconv_1.fn();',
      'const e = semconv_1.LIST.concat(semconv_1.NAN, semconv_1.ATTR_MISSING);',
      'const f = q.semconv_1.ATTR_A + `${"a.b"}` + ("a.b" === s);',
      'const h = -(-1);',
    ].join('\n'));
    assert.equal(reads, 8); // a's three, g's key, c's, f's two and h's
  });

  it('leaves an assignment to a binding\'s property alone', () => {
    const source = 'var semconv_1 = require("./semconv");\nsemconv_1.ATTR_A = "x"; semconv_1.PORT++; if (semconv_1.PORT == 3) {}';
    assert.equal(inline(source, valuesOf).source,
      'var semconv_1 = require("./semconv");\nsemconv_1.ATTR_A = "x"; semconv_1.PORT++; if (3 == 3) {}');
  });

  it('the built bundle reads no string-valued name from either module, and builds the request span\'s attributes from plain keys', () => {
    const bundle = readFileSync(path.join(ROOT, 'dist', 'preload-bundle.js'), 'utf8');
    const left = new Set<string>();
    for (const m of bundle.matchAll(/(?<![\w$.])(semantic_conventions_1|semconv_1)\.([A-Za-z_$][\w$]*)/g)) {
      const module: Record<string, unknown> = m[1] === 'semconv_1' ? semconv : semanticConventions;
      if (typeof module[m[2] as string] === 'string') left.add(m[0]);
    }
    assert.deepEqual([...left], []);
    // src/http/server.ts, onRequest: the SERVER span's attributes, each key the convention's name.
    const { ATTR_HTTP_REQUEST_METHOD, ATTR_URL_SCHEME, ATTR_URL_PATH } = semanticConventions;
    const start = `const attributes={${JSON.stringify(ATTR_HTTP_REQUEST_METHOD)}:method,${JSON.stringify(ATTR_URL_SCHEME)}:scheme,${JSON.stringify(ATTR_URL_PATH)}:`;
    assert.ok(bundle.includes(start), `dist/preload-bundle.js has no ${start}`);
  });
});
