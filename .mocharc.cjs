// Tests are TypeScript, run through tsx; fixtures they start are plain JS run
// with the BUILT preload (dist/), so `make test` builds first.
module.exports = {
  // `make test SPEC='test/a.test.ts test/b.test.ts'` runs a subset (mocha adds CLI paths to this list, never replaces it).
  spec: process.env.SPEC ? process.env.SPEC.split(/\s+/).filter(Boolean) : ['test/**/*.test.ts'],
  'node-option': ['import=tsx'],
  timeout: 60000,
  slow: 5000,
  reporter: './test/support/reporter.cjs',
  exit: true,
};
