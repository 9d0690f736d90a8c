/**
 * No dotted-prefix clash in what reaches storage: Elasticsearch (and any
 * mapping that expands dots) cannot hold `a.b` as a value and `a.b.c` under
 * it as an object. Names considered: every attribute the preload emits
 * (src/semconv.ts), every name the instrumentations it enables by default
 * can emit (read from their built code: semantic-convention constants they
 * reference and dotted string literals), minus what the shipped collector
 * configs delete, plus what they set — for config.yaml alone and with each
 * overlay. Also: every duration and money attribute is made a double there.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as stableSemconv from '@opentelemetry/semantic-conventions';
import * as incubatingSemconv from '@opentelemetry/semantic-conventions/incubating';
import { INSTRUMENTATION_PACKAGES } from '../src/instrumentations';
import * as ourSemconv from '../src/semconv';
import { ALL_ATTRIBUTE_NAMES } from '../src/semconv';
import { ROOT } from './support/fixture';
import { EXPECTED as RUNTIME_METRICS, HOST, RUNTIME } from './support/runtimeMetrics';
import { readCollectorYaml, type Yaml } from './support/standin';

const CONSTANTS: Record<string, unknown> = { ...incubatingSemconv, ...stableSemconv };

function jsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? jsFiles(path.join(dir, e.name)) : /\.c?js$/.test(e.name) ? [path.join(dir, e.name)] : []);
}

/**
 * A package's folder, found from its entry point: SDK 3's packages export only
 * their entry points (no ./package.json in their exports map).
 */
function packageRoot(pkg: string): string {
  let dir = path.dirname(require.resolve(pkg, { paths: [ROOT] }));
  while (!fs.existsSync(path.join(dir, 'package.json'))
    || (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string }).name !== pkg) {
    const up = path.dirname(dir);
    assert.notEqual(up, dir, `no package.json of ${pkg}`);
    dir = up;
  }
  return dir;
}

/** Attribute names a package's built code can emit (comments stripped). */
function namesIn(pkg: string): Set<string> {
  const root = packageRoot(pkg);
  const names = new Set<string>();
  // 2.x-era packages: tsc's build/src/*.js; SDK 3's: bundled dist/*.cjs (and *.mjs, the same code).
  const built = fs.existsSync(path.join(root, 'build', 'src')) ? path.join(root, 'build', 'src') : path.join(root, 'dist');
  for (const file of jsFiles(built)) {
    const code = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const m of code.matchAll(/\b((?:ATTR|SEMATTRS|SEMRESATTRS)_[A-Z0-9_]+)\b/g)) {
      const value = CONSTANTS[m[1] as string];
      if (typeof value === 'string') names.add(value);
    }
    for (const m of code.matchAll(/['"`]([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)['"`]/g)) names.add(m[1] as string);
  }
  return names;
}

/** The upstream packages loaded by default (the preload's own names are in src/semconv.ts). */
const DEFAULT_PACKAGES = Object.values(INSTRUMENTATION_PACKAGES).filter((e) => e.load !== undefined).map((e) => e.pkg as string);
/**
 * Packages that only make metrics: their dotted literals are metric names (stored under their own
 * `metrics.*` fields) and metric group names (host-metrics' `process.cpu`), not attributes. Their
 * attribute keys are the ones the runtime-metrics spec sees on every point.
 */
const METRICS_ONLY = new Set([RUNTIME, HOST]);
const RUNTIME_ATTRIBUTES = Object.values(RUNTIME_METRICS).flatMap(([, , keys]) => keys);

function transformStatements(doc: Yaml): string[] {
  const out: string[] = [];
  for (const [name, p] of Object.entries((doc.processors as Yaml | undefined) ?? {})) {
    if (!name.startsWith('transform')) continue;
    for (const [key, groups] of Object.entries(p as Yaml)) {
      if (!key.endsWith('_statements')) continue;
      for (const g of groups as { statements: string[] }[]) out.push(...g.statements);
    }
  }
  return out;
}
const setNames = (stmts: string[]) => stmts.flatMap((s) => [...s.matchAll(/^set\(\w+\.attributes\["([^"]+)"\]/g)].map((m) => m[1] as string));
const deletedNames = (stmts: string[]) => stmts.flatMap((s) => [...s.matchAll(/^delete_key\(\w+\.attributes, "([^"]+)"\)/g)].map((m) => m[1] as string));

function clashes(names: Iterable<string>): string[] {
  const all = [...new Set(names)];
  return all.flatMap((a) => all.filter((b) => b.startsWith(`${a}.`)).map((b) => `${a} / ${b}`));
}

const OVERLAYS = fs.readdirSync(path.join(ROOT, 'collector')).filter((f) => /^config\..+\.yaml$/.test(f));

describe('attribute names: no dotted-prefix clash after the shipped collector configs', () => {
  const emitted = new Set<string>(ALL_ATTRIBUTE_NAMES);
  for (const pkg of DEFAULT_PACKAGES) if (!METRICS_ONLY.has(pkg)) for (const n of namesIn(pkg)) emitted.add(n);
  for (const n of RUNTIME_ATTRIBUTES) emitted.add(n);
  const base = transformStatements(readCollectorYaml('config.yaml'));

  it('reads the instrumentations: the default set includes amqplib, whose old names clash with the preload\'s', () => {
    assert.ok(DEFAULT_PACKAGES.includes('@opentelemetry/instrumentation-amqplib'));
    assert.ok(emitted.has('messaging.operation') && emitted.has('messaging.destination') && emitted.has('http.request.method'));
    // Without the collector's clean-up these clash: the reason for transform/traces.
    const raw = clashes(emitted);
    assert.ok(raw.includes('messaging.operation / messaging.operation.type'), raw.join(', '));
    assert.ok(raw.includes('messaging.destination / messaging.destination.name'), raw.join(', '));
  });

  for (const overlay of ['(none)', ...OVERLAYS]) {
    it(`config.yaml${overlay === '(none)' ? '' : ` + ${overlay}`}: no clash`, () => {
      const stmts = overlay === '(none)' ? base : [...base, ...transformStatements(readCollectorYaml(overlay))];
      const removed = new Set(deletedNames(stmts));
      const final = [...emitted].filter((n) => !removed.has(n)).concat(setNames(stmts));
      assert.deepEqual(clashes(final), []);
    });
  }

  it('the runtime metrics: both packages are loaded by default, and no metric name is the prefix of another', () => {
    assert.ok(DEFAULT_PACKAGES.includes(RUNTIME) && DEFAULT_PACKAGES.includes(HOST), DEFAULT_PACKAGES.join(', '));
    assert.deepEqual(clashes(Object.keys(RUNTIME_METRICS)), []);
  });

  it('every duration and money attribute the preload emits is made a double by the collector', () => {
    const doubled = new Set(base.flatMap((s) => [...s.matchAll(/^set\(log\.attributes\["([^"]+)"\], Double\(log\.attributes\["\1"\]\)\)/g)].map((m) => m[1])));
    const needed = ALL_ATTRIBUTE_NAMES.filter((n) => /_ms$|duration|cost|price|amount/.test(n));
    assert.ok(needed.length >= 3);
    for (const n of needed) assert.ok(doubled.has(n), n);
  });
});

describe('attribute names: src/semconv.ts and @opentelemetry/semantic-conventions', () => {
  it('the stable names spelled out in src/semconv.ts are the package\'s, constant for constant', () => {
    const shared = Object.entries(ourSemconv).filter(([k]) => k in stableSemconv);
    assert.deepEqual(shared.map(([k]) => k).sort(), [
      'ATTR_ERROR_TYPE', 'ATTR_EXCEPTION_MESSAGE', 'ATTR_EXCEPTION_STACKTRACE', 'ATTR_EXCEPTION_TYPE',
      'ATTR_HTTP_REQUEST_METHOD', 'ATTR_HTTP_RESPONSE_STATUS_CODE', 'ATTR_HTTP_ROUTE', 'ATTR_SERVICE_NAME',
    ]);
    for (const [k, v] of shared) assert.equal(v, (stableSemconv as Record<string, unknown>)[k], k);
  });

  it('the incubating names spelled out there are the incubating package\'s', () => {
    const incubating = Object.entries(ourSemconv).filter(([k]) => k.startsWith('ATTR_') && !(k in stableSemconv) && k in incubatingSemconv);
    assert.ok(incubating.length >= 7, incubating.map(([k]) => k).join(', '));
    for (const [k, v] of incubating) assert.equal(v, (incubatingSemconv as Record<string, unknown>)[k], k);
  });
});
