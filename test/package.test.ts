/** version.ts and package.json's engines kept in step with what the project tests on. */
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { isBuiltin } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { GRPC_PACKAGE, GRPC_VERSION } from '../src/export/grpcPackage';
import { missingToolPackages, TOOL_PACKAGES } from '../src/toolPackages';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../src/version';

describe('unit: package', () => {
  it('version.ts matches package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    assert.equal(PACKAGE_NAME, pkg.name);
    assert.equal(PACKAGE_VERSION, pkg.version);
    // engines names exactly the Node lines the project tests on (scripts/node.sh pins them).
    const lines = execFileSync('bash', [path.join(__dirname, '..', 'scripts', 'node.sh'), 'lines'], { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(String(pkg.engines.node).split(' || ').map((range) => /^\^(\d+)\./.exec(range)?.[1]).sort().reverse(), lines);
  });
});

/**
 * What a service installs (docs/development.md, "What a service installs"): the package's
 * dependencies are exactly the packages its shipped entry points load by name — the preload
 * bundle, the public API, the two tools — minus the tools' own packages, which the tools ask
 * for by name (src/toolPackages.ts). A new `require` of an undeclared package fails here; so does
 * a dependency nothing loads any more (it would ride into every service's node_modules).
 */
describe('unit: package dependencies', () => {
  const root = path.join(__dirname, '..');
  const dist = path.join(root, 'dist');

  function bareRequires(entries: string[]): Map<string, string> {
    const found = new Map<string, string>();
    const seen = new Set<string>();
    const queue = entries.map((e) => path.join(dist, e));
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const source = fs.readFileSync(file, 'utf8');
      for (const m of source.matchAll(/(?:require\(|import\(|\bfrom\s*|^import\s*)["']([^"']+)["']/gm)) {
        const spec = m[1];
        if (spec.startsWith('.')) {
          const base = path.resolve(path.dirname(file), spec);
          const target = [base, `${base}.js`, `${base}.mjs`, path.join(base, 'index.js')].find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
          if (target !== undefined) queue.push(target);
          continue;
        }
        // Module names only (the bundle's debug strings hold "require('%s')"), not our own name
        // (a comment of dist/index.mjs).
        if (spec.startsWith('node:') || isBuiltin(spec) || !/^(@[a-z0-9._-]+\/)?[a-z0-9._-]+(\/.*)?$/.test(spec) || spec === 'filament-otel') continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        if (!found.has(name)) found.set(name, path.relative(root, file));
      }
    }
    return found;
  }

  it('declares exactly what the shipped entry points load, the tools\' own packages apart', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    const entries = ['preload.js', 'preload-bundle.js', 'preload.mjs', 'index.js', 'index.mjs', 'cli.js', 'responder.js'];
    const loaded = bareRequires(entries);
    const toolOwn = new Set<string>(Object.values(TOOL_PACKAGES).flat());
    // @grpc/grpc-js: the preload asks the app for it by name with OTEL_EXPORTER_OTLP_PROTOCOL=grpc (src/export/grpcPackage.ts).
    assert.ok(loaded.has(GRPC_PACKAGE), `${GRPC_PACKAGE} is no longer loaded: drop src/export/grpcPackage.ts`);
    assert.equal(pkg.devDependencies[GRPC_PACKAGE], GRPC_VERSION, `the version the preload names is not the tested one`);
    const needed = [...loaded.keys()].filter((name) => !toolOwn.has(name) && name !== GRPC_PACKAGE).sort();
    assert.deepEqual(Object.keys(pkg.dependencies).sort(), needed,
      `loaded by name: ${[...loaded].map(([n, f]) => `${n} (${f})`).join(', ')}`);
    // The tools' packages are loaded, and tested: the repository's devDependencies pin them.
    for (const name of toolOwn) {
      assert.ok(loaded.has(name), `${name} is listed in TOOL_PACKAGES but no entry point loads it`);
      assert.ok(pkg.devDependencies[name] !== undefined, `${name} has no tested version in devDependencies`);
    }
  });

  it('a tool whose packages are absent names them with their tested versions', () => {
    const nowhere = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-tool-'));
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
      assert.equal(missingToolPackages('filament-responder', [path.join(nowhere, 'x.js')]),
        `filament-responder: needs amqplib, which a service does not and so filament-otel does not install: npm install amqplib@${pkg.devDependencies.amqplib}`);
      assert.match(missingToolPackages('filament', [path.join(nowhere, 'x.js')]) ?? '',
        /^filament: needs @elastic\/elasticsearch, @opensearch-project\/opensearch, zxcvbn, .*: npm install @elastic\/elasticsearch@8\.\d+\.\d+ @opensearch-project\/opensearch@\d/);
      assert.equal(missingToolPackages('filament'), undefined);
    } finally {
      fs.rmSync(nowhere, { recursive: true, force: true });
    }
  });
});
