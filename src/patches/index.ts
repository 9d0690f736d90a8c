/**
 * Patches of upstream private paths, each the only way to a measured cost
 * (at most two; each names the upstream versions it supports, is a no-op on
 * any other, and has a test that fails when the shape changes). Nothing else
 * in src/ may touch an upstream package's internals (test/public-api.test.ts).
 */

/** The OTLP protobuf serialiser's ASCII string path; loaded with the first protobuf exporter. */
export function installProtobufStrings(): boolean {
  return (require('./protobufStrings') as typeof import('./protobufStrings')).installProtobufStrings();
}
