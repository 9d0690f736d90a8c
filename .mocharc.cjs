// Tests are TypeScript, run through tsx; fixtures they start are plain JS run
// with the BUILT preload (dist/), so `make test` builds first.
module.exports = {
  spec: ['test/**/*.test.ts'],
  'node-option': ['import=tsx'],
  timeout: 60000,
  slow: 5000,
  reporter: './test/support/reporter.cjs',
  exit: true,
};
