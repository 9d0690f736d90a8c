// Semantic-convention names inlined into tsc's CommonJS output, for scripts/bundle.mjs.
//
// tsc compiles `{ [ATTR_HTTP_REQUEST_METHOD]: method }` to
// `{ [semantic_conventions_1.ATTR_HTTP_REQUEST_METHOD]: method }`: a property load on the required
// module per name (in the bundle, through esbuild's getters for an ES module; src/semconv.ts has
// ~100 exports), and an object literal with computed keys, which V8 builds key by key instead of
// cloning a boilerplate. On the request path that was most of the time the V8 profile gave
// Filament's own hooks (docs/benchmarks.md, "Semantic-convention names inlined"). This rewrites such
// a read to the name's value, and such a key to a plain one, for the bindings of the modules given.

/**
 * The names a CommonJS file binds required modules to (tsc's `const x_1 = require("…")`, a bundler's
 * `let x = require('…')`), with the specifiers, for those `isSpecifier` accepts. Also read by
 * scripts/bundle.mjs to find which semantic-convention names a file uses.
 * @param {string} source
 * @param {(specifier: string) => boolean} isSpecifier
 * @returns {{ binding: string, specifier: string }[]}
 */
export function requireBindings(source, isSpecifier) {
  return [...source.matchAll(/([\w$]+)\s*=\s*require\((["'])([^"']+)\2\)/g)]
    .filter((m) => isSpecifier(m[3]))
    .map((m) => ({ binding: m[1], specifier: m[3] }));
}
/** Whitespace, line comments and block comments, as tsc leaves them between an object literal's members. */
const SPACE_OR_COMMENTS = String.raw`(?:\s|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*`;

/**
 * Rewrites `binding.NAME` to NAME's value (a string, or a finite number) and `{ [binding.NAME]: v }`
 * to `{ "value": v }`, for every binding of a module `valuesOf(specifier)` returns the exports of
 * (undefined: not a constants module). Names whose value is anything else, assignments to and calls
 * of a binding's property stay as they are.
 * @param {string} source tsc's CommonJS output of one file
 * @param {(specifier: string) => Record<string, unknown> | undefined} valuesOf
 * @returns {{ source: string, reads: number }}
 */
export function inlineConstants(source, valuesOf) {
  let reads = 0;
  for (const { binding, specifier } of requireBindings(source, () => true)) {
    const values = valuesOf(specifier);
    if (values === undefined) continue;
    const literal = (name) => {
      const value = Object.hasOwn(values, name) ? values[name] : undefined;
      if (typeof value === 'string') return JSON.stringify(value);
      // In parentheses when negative: `-x_1.N` must not become `--1`.
      if (typeof value === 'number' && Number.isFinite(value)) return value < 0 || Object.is(value, -0) ? `(${value})` : String(value);
      return undefined;
    };
    const b = binding.replace(/\$/g, '\\$');
    // A key of an object literal follows `{` or `,` (and maybe comments); an element access has an
    // expression before its `[`.
    source = source.replace(new RegExp(`([{,]${SPACE_OR_COMMENTS})\\[${b}\\.([A-Za-z_$][\\w$]*)\\]\\s*:`, 'g'), (m, before, name) => {
      const v = literal(name);
      if (v === undefined) return m;
      reads++;
      return `${before}${v}:`;
    });
    // Any other read: not a property of something else (`a.x_1.N`), not assigned to, not called.
    source = source.replace(new RegExp(`(?<![\\w$.])${b}\\.([A-Za-z_$][\\w$]*)(?![\\w$])(?!\\s*(?:=(?![=>])|\\+\\+|--|\\())`, 'g'), (m, name) => {
      const v = literal(name);
      if (v === undefined) return m;
      reads++;
      return v;
    });
  }
  return { source, reads };
}
