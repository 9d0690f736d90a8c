/**
 * The source layout docs/development.md describes ("Source layout"): each folder of src/ is entered through
 * its index.ts, and no module imports itself back through a cycle (a cycle would hand a module a
 * half-initialised one at load time, in dist/ and in the bundle alike).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const SRC = path.join(__dirname, '..', 'src');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return /\.m?ts$/.test(e.name) && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** Relative imports that load a module at run time (type-only imports are erased), resolved to files. */
function runtimeImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specifiers = [
    ...text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'(\.[^']+)'/gms),
    ...text.matchAll(/require\('(\.[^']+)'\)/g),
  ].map((m) => m[1] as string);
  return specifiers.map((s) => {
    const base = path.resolve(path.dirname(file), s.replace(/\.m?js$/, ''));
    const found = [`${base}.ts`, `${base}.mts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
    assert.ok(found !== undefined, `${path.relative(SRC, file)}: cannot resolve ${s}`);
    return found;
  });
}

describe('source layout', () => {
  const files = sources(SRC);
  const graph = new Map(files.map((f) => [f, runtimeImports(f)]));

  it('the rest of src enters a folder through its index.ts only', () => {
    const wrong: string[] = [];
    for (const [file, imports] of graph) {
      for (const target of imports) {
        const folder = path.dirname(target);
        if (folder !== SRC && !file.startsWith(`${folder}${path.sep}`) && path.basename(target) !== 'index.ts') {
          wrong.push(`${path.relative(SRC, file)} → ${path.relative(SRC, target)}`);
        }
      }
    }
    assert.deepEqual(wrong, []);
    for (const folder of fs.readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory())) {
      assert.ok(fs.existsSync(path.join(SRC, folder.name, 'index.ts')), `src/${folder.name}/index.ts`);
    }
  });

  it('has no import cycle', () => {
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, trail: string[]): void => {
      if (state.get(file) === 'done') return;
      assert.notEqual(state.get(file), 'open', `cycle: ${[...trail, file].map((f) => path.relative(SRC, f)).join(' → ')}`);
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
  });

  // pino's lib/symbols.js: the one module every floor may import, so it imports nothing — not even
  // a type (a type import of sdk.ts closed a 19-file circle at the type level); slot types are
  // added by the owning modules through declaration merging.
  it('symbols.ts is a leaf: it imports nothing, not even types', () => {
    const text = fs.readFileSync(path.join(SRC, 'symbols.ts'), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    assert.deepEqual([...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'|require\('([^']+)'\)|import\('([^']+)'\)/gm)].map((m) => m[0]), []);
  });
});
