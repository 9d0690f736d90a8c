// Folds the preload (tsc's dist/preload.js and everything it requires) into
// ONE file, dist/preload-bundle.js, so a service's start-up does not resolve, read and
// compile each of the hundreds of modules it is made of (docs/benchmarks.md,
// "What we found and changed"); dist/preload.js becomes the thin entry that runs it
// from V8's code cache (src/preloadEntry.ts, src/codeCache.ts).
//
// @opentelemetry/api and @opentelemetry/api-logs are bundled too (they were required from node_modules
// until 2026-12: 60 files, ~23 ms of main-thread CPU and ~6.5 MiB of peak RSS at every start, most of it
// resolving, reading and compiling small files; docs/benchmarks.md, "Start-up"). Copies of one API version
// meet on the process-wide globals the API keeps for exactly this (Symbol.for('opentelemetry.js.api.1'),
// the logs API's own global, context keys made with Symbol.for): the app's own copy finds the providers the
// bundled one registered, as long as its version accepts the bundled one's (the API's compatibility rule,
// the same as when the app's copy is older than filament-otel's pinned dependency and npm nests ours).
//
// Kept outside the bundle, required at run time from node_modules:
// - import-in-the-middle: dist/preload.mjs (src/preload.mts) registers its loader hook, which
//   must talk to the very copy the instrumentations use (required only then: src/importHook.ts);
// - @opentelemetry/winston-transport: instrumentation-winston requires it only when
//   an app configures a winston logger; bundled it would bring winston-transport and
//   readable-stream into every service's start-up;
// - @opentelemetry/configuration and yaml: required only when OTEL_CONFIG_FILE is set
//   (src/configFile/load.ts); the schema validator alone is ~550 KB that a service
//   configured by the environment would otherwise parse at every start;
// - whatever is required by a computed name (instrumentations named in
//   OTEL_NODE_ENABLED_INSTRUMENTATIONS beyond the defaults, gRPC exporters).
// Beside it, bundled on its own: dist/systeminformation-network.js (lazySystemInformation below).
// @opentelemetry/otlp-transformer is bundled (run on the first export, never at start-up): kept
// outside, it required its own copies of core, resources and sdk-trace/-metrics/-logs from
// node_modules — ~190 files more at the first export, +11 MiB peak RSS and ~150 ms of CPU
// (docs/benchmarks.md, "Idle memory and start-up on SDK 3").
// dist/index.js (the public API) stays unbundled and small; it meets the
// preload's state through globalThis (src/symbols.ts).
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inlineConstants, requireBindings } from './lib/inline-constants.mjs';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
// The bundle that dist/preload.js (src/preloadEntry.ts) runs: written beside it, under this name.
const PRELOAD_BUNDLE = 'preload-bundle.js';
// Virtual modules are named by their importer's path from here: the names end up in the bundle.
const root = path.dirname(path.resolve(dist));

// instrumentation-host-metrics requires systeminformation's network module at load time for its
// network group, which Filament leaves off (src/instrumentations.ts: process.cpu and process.memory
// only); loading it pulls in child_process and ~1 MiB of code an idle service never runs. It gets a
// stand-in that loads the module on the first call of the one function host-metrics uses, from a
// file of its own beside the bundle (dist/systeminformation-network.js, built below): inside
// dist/preload-bundle.js its 90 KB would still be parsed at every start-up.
const SYSTEMINFORMATION_NETWORK = 'systeminformation-network.js';
let systemInformationNetwork;
const lazySystemInformation = {
  name: 'lazy-systeminformation-network',
  setup(b) {
    b.onResolve({ filter: /^systeminformation\/lib\/network\.js$/ }, async (args) => {
      if (args.pluginData === 'real') return undefined;
      const real = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'real' });
      if (real.errors.length > 0) return { errors: real.errors };
      systemInformationNetwork = real.path;
      return { path: args.path, namespace: 'filament-otel-lazy' };
    });
    b.onResolve({ filter: new RegExp(`^\\./${SYSTEMINFORMATION_NETWORK.replace('.', '\\.')}$`) }, (args) => ({ path: args.path, external: true }));
    b.onLoad({ filter: /.*/, namespace: 'filament-otel-lazy' }, () => ({
      // `require` of the bundle's own module: resolved from dist/.
      contents: `let real;\nexports.networkStats = (...args) => (real ??= require(${JSON.stringify(`./${SYSTEMINFORMATION_NETWORK}`)})).networkStats(...args);\n`,
      loader: 'js',
    }));
  },
};

// @opentelemetry/semantic-conventions is ~2,000 constants (180 KB in the bundle, ~10 ms of evaluation
// at start-up: the deprecated tables are built by function calls); the bundled code uses ~35 of them.
// Every `require()` of it (the CommonJS builds of the SDK and instrumentations, tsc's output of src/)
// gets a module of its own that re-exports only the names that file reads from the package's ES build
// ("sideEffects": false), which esbuild then shakes down to those constants. A file that uses the
// package otherwise than as `binding.NAME` gets all of it, still from the ES build (one copy).
const SEMCONV = '@opentelemetry/semantic-conventions';
function namesRead(source, specifier) {
  const bindings = requireBindings(source, (s) => s === specifier).map((b) => b.binding);
  if (bindings.length === 0) return null;
  const names = new Set();
  for (const binding of bindings) {
    for (const m of source.matchAll(new RegExp(`(?<![\\w$.])${binding.replace(/\$/g, '\\$')}(?![\\w$])(\\s*\\.\\s*([A-Za-z_$][\\w$]*)|\\s*=\\s*require\\()?`, 'g'))) {
      if (m[1] === undefined) return null; // passed on, spread or indexed: keep every name
      if (m[2] !== undefined) names.add(m[2]);
    }
  }
  return [...names].sort();
}
const semconvUsedNames = {
  name: 'semconv-used-names',
  setup(b) {
    b.onResolve({ filter: /^@opentelemetry\/semantic-conventions$/ }, async (args) => {
      if (args.pluginData === 'real' || args.importer.includes(`${SEMCONV}/`)) return undefined;
      const real = await b.resolve(args.path, { kind: 'import-statement', resolveDir: args.resolveDir, pluginData: 'real' });
      if (real.errors.length > 0) return { errors: real.errors };
      if (!/\.mjs$/.test(real.path)) return { errors: [{ text: `${SEMCONV} resolved to ${real.path}, not its ES build` }] };
      return { path: path.relative(root, args.importer), namespace: 'filament-otel-semconv', pluginData: real.path };
    });
    b.onLoad({ filter: /.*/, namespace: 'filament-otel-semconv' }, (args) => {
      const names = namesRead(readFileSync(path.resolve(root, args.path), 'utf8'), SEMCONV);
      const from = JSON.stringify(args.pluginData);
      return {
        contents: names === null ? `export * from ${from};\n` : `export { ${names.join(', ')} } from ${from};\n`,
        loader: 'js',
        resolveDir: path.dirname(args.pluginData),
        warnings: names === null ? [{ text: `${args.path} uses ${SEMCONV} otherwise than by name: all of it is bundled` }] : [],
      };
    });
  },
};

// Semantic-convention names read in src/'s files (dist/**/*.js, tsc's output) become their values,
// and attribute keys made of them plain keys: scripts/lib/inline-constants.mjs says why. The values
// are the modules' own, read here at build time: what is exported does not change
// (test/bundle-constants.test.ts).
const requireHere = createRequire(import.meta.url);
const OWN_SEMCONV = /^(?:\.\.?\/)+semconv$/;
const inlinedNames = { files: 0, reads: 0 };
const inlineSemconvConstants = {
  name: 'inline-semconv-constants',
  setup(b) {
    b.onLoad({ filter: new RegExp(`^${dist.replace(/[\\/.]/g, (c) => `\\${c}`)}.*\\.js$`) }, (args) => {
      const valuesOf = (specifier) => {
        if (specifier === SEMCONV) return requireHere(SEMCONV);
        if (OWN_SEMCONV.test(specifier)) return requireHere(path.resolve(path.dirname(args.path), `${specifier}.js`));
        return undefined;
      };
      const { source, reads } = inlineConstants(readFileSync(args.path, 'utf8'), valuesOf);
      if (reads === 0) return undefined;
      inlinedNames.files++;
      inlinedNames.reads += reads;
      return { contents: source, loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

// @opentelemetry/instrumentation's InstrumentationBase makes an import-in-the-middle Hook beside each
// require hook, and so requires import-in-the-middle (three files from node_modules) at every start-up,
// though without its loader (registered by dist/preload.mjs, `--import`) a Hook sees nothing. Its import
// gets src/importHook.ts instead, whose Hook makes the real one only when that loader is registered;
// importHook.ts's own require of the package is the real one (external, above).
const importHookWhenLoaderRegistered = {
  name: 'import-hook-when-loader-registered',
  setup(b) {
    b.onResolve({ filter: /^import-in-the-middle$/ }, (args) => {
      if (!/[\\/]@opentelemetry[\\/]instrumentation[\\/]/.test(args.importer)) return undefined;
      return { path: path.join(dist, 'importHook.js') };
    });
  },
};

// src/export/otlpHttpExporter.ts takes option resolution and the agent factory from otlp-exporter-base's
// node-http entry, which also loads that package's own HTTP transport; Filament's exporters send through
// src/export/httpTransport.ts, so that transport never runs, but it requires node:zlib at load (~1 MiB of
// RSS; docs/benchmarks.md, "Idle memory and start-up on SDK 3"). Its require gets a stand-in whose
// functions (those the file calls) load zlib on their first call.
const lazyZlibInExporterBase = {
  name: 'lazy-zlib-in-otlp-exporter-base',
  setup(b) {
    b.onResolve({ filter: /^(node:)?zlib$/ }, (args) => {
      // (the stand-in's own require of zlib is the real one)
      if (args.namespace !== 'file' || !/[\\/]@opentelemetry[\\/]otlp-exporter-base[\\/]/.test(args.importer)) return undefined;
      return { path: path.relative(root, args.importer), namespace: 'filament-otel-lazy-zlib' };
    });
    b.onLoad({ filter: /.*/, namespace: 'filament-otel-lazy-zlib' }, (args) => {
      const called = [...new Set([...readFileSync(path.resolve(root, args.path), 'utf8').matchAll(/\bzlib\.([A-Za-z_$][\w$]*)\(/g)].map((m) => m[1]))];
      if (called.length === 0) return { errors: [{ text: `${args.path} requires zlib but calls none of its functions as zlib.name(): the stand-in would be empty` }] };
      return {
        contents: `let real;\n${called.map((f) => `exports.${f} = (...args) => (real ??= require('node:zlib')).${f}(...args);`).join('\n')}\n`,
        loader: 'js',
      };
    });
  },
};

// require-in-the-middle logs through `debug`, which reads the namespaces to print from DEBUG once, when it
// loads (debug/src/node.js), and with it loads supports-color, tty and os: ~4 ms of every start-up for
// lines that print only under DEBUG. Without DEBUG the hook gets loggers that do nothing, as debug's
// disabled ones do; with it, debug itself. No other bundled code can reach this copy of debug.
const debugOnlyUnderDEBUG = {
  name: 'debug-only-under-DEBUG',
  setup(b) {
    b.onResolve({ filter: /^debug$/ }, async (args) => {
      if (args.pluginData === 'real' || !/[\\/]require-in-the-middle[\\/]/.test(args.importer)) return undefined;
      const real = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'real' });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: 'debug', namespace: 'filament-otel-debug', pluginData: real.path };
    });
    b.onLoad({ filter: /.*/, namespace: 'filament-otel-debug' }, (args) => ({
      contents: `const off = () => undefined;\noff.enabled = false;\n`
        + `module.exports = process.env.DEBUG ? require(${JSON.stringify(args.pluginData)}) : () => off;\n`,
      loader: 'js',
      resolveDir: path.dirname(args.pluginData),
    }));
  },
};

const result = await build({
  entryPoints: [`${dist}preload.js`],
  outfile: `${dist}${PRELOAD_BUNDLE}`,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  // No keepNames: its __name() calls run on every closure creation, in the
  // request path (docs/benchmarks.md); the CJS inputs are wrapped per module,
  // so their class names are never renamed. (Minifying identifiers too, 825 → 480 KB, made the
  // start-up no cheaper: docs/benchmarks.md, "Third pass".)
  external: [
    'import-in-the-middle', '@grpc/grpc-js',
    '@opentelemetry/winston-transport',
    '@opentelemetry/configuration', 'yaml',
  ],
  minifyWhitespace: true,
  sourcemap: 'linked',
  sourcesContent: false,
  // Licence notices (@license, /*! … */) of the bundled packages, kept next to the bundle.
  legalComments: 'linked',
  logLevel: 'warning',
  logOverride: { 'require-resolve-not-external': 'silent' },
  metafile: true,
  plugins: [inlineSemconvConstants, lazySystemInformation, semconvUsedNames, importHookWhenLoaderRegistered, lazyZlibInExporterBase, debugOnlyUnderDEBUG],
  // import() of a built-in becomes require(): @opentelemetry/otlp-exporter-base makes its HTTP
  // agent with `await import('http')`, and on Node 22+ the ESM namespace of node:http reads every
  // export, lazy ones included, which loads Node's bundled undici (http2, web streams, assert, …)
  // on the first export: peak RSS and start-up in docs/benchmarks.md, "What we found and changed".
  // The module object, and so the Agent, is the same either way. Only built-ins are import()ed
  // by the bundled code (checked below); test/preload-startup.test.ts checks the first export.
  supported: { 'dynamic-import': false },
});

// require() of an ES module fails when it (or a module it imports) uses top-level await, and
// Node before 22.12 refuses it outright: besides the bundled modules, only built-ins may be
// import()ed (see `supported`) — and @grpc/grpc-js, which is CommonJS (otlp-grpc-exporter-base
// import()s it in a helper the gRPC exporter, src/export/otlpGrpcExporter.ts, does not call).
const COMMONJS_EXTERNALS = new Set(['@grpc/grpc-js']);
const dynamic = Object.entries(result.metafile.inputs)
  .flatMap(([file, input]) => input.imports.filter((i) => i.kind === 'dynamic-import' && i.external === true && !isBuiltin(i.path) && !COMMONJS_EXTERNALS.has(i.path)).map((i) => `${file}: import(${i.path})`));
if (dynamic.length > 0) throw new Error(`bundle: import() of a non-built-in would become require():\n${dynamic.join('\n')}`);

// V8 keeps a script's source for as long as the process lives (functions compile lazily from
// it), and one character above Latin-1 makes all of it a two-byte string: twice the heap. esbuild
// escapes such characters in code (its default `charset: 'ascii'`) but keeps the comments it
// places before class members as they are; those get a '?' per UTF-16 unit, so the source map's
// columns stay right. Anything else non-ASCII fails the build.
const bundle = readFileSync(`${dist}${PRELOAD_BUNDLE}`, 'utf8');
const lines = bundle.split('\n');
for (const [i, line] of lines.entries()) {
  if (/[^\x00-\x7f]/.test(line) && !/^\s*(\*|\/\*|\/\/)/.test(line)) {
    throw new Error(`bundle: dist/${PRELOAD_BUNDLE}:${i + 1} has a non-ASCII character outside a comment`);
  }
}
writeFileSync(`${dist}${PRELOAD_BUNDLE}`, bundle.replace(/[^\x00-\x7f]/g, '?'));

if (systemInformationNetwork !== undefined) {
  await build({
    entryPoints: [systemInformationNetwork],
    outfile: `${dist}${SYSTEMINFORMATION_NETWORK}`,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    minifyWhitespace: true,
    legalComments: 'linked',
    logLevel: 'warning',
  });
}

// dist/preload.js, what services load: src/preloadEntry.ts with src/codeCache.ts folded in (Node's
// built-ins only), which runs dist/preload-bundle.js from V8's code cache where it may.
await build({
  entryPoints: [`${dist}preloadEntry.js`],
  outfile: `${dist}preload.js`,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  external: [`./${PRELOAD_BUNDLE}`],
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  plugins: [{
    name: 'entry-requires-built-ins-only',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point' || isBuiltin(args.path) || args.path.startsWith('.')) return undefined;
        return { errors: [{ text: `the preload's entry requires ${args.path}: only Node's built-ins may load before the bundle` }] };
      });
    },
  }],
});

// BUNDLE_METAFILE=path: esbuild's metafile (bytes in the bundle per input file), for size analyses.
if (process.env.BUNDLE_METAFILE) writeFileSync(process.env.BUNDLE_METAFILE, JSON.stringify(result.metafile));
const inputs = Object.keys(result.metafile.inputs).length;
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
process.stdout.write(`bundle: dist/${PRELOAD_BUNDLE} from ${inputs} modules (${Math.round(bytes / 1024)} KiB with its map; ${inlinedNames.reads} semantic-convention names inlined in ${inlinedNames.files} files)\n`);
