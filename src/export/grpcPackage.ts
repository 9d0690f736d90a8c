/**
 * @grpc/grpc-js, which OTEL_EXPORTER_OTLP_PROTOCOL=grpc needs and filament-otel does not install:
 * gRPC is rarely chosen and the library is large, so the app installs it beside itself
 * (docs/settings.md), as the tools' own packages are (src/toolPackages.ts).
 */
import type { GrpcJs } from './grpcTransport';

export const GRPC_PACKAGE = '@grpc/grpc-js';
/** The version Filament is tested with (package.json devDependencies; test/package.test.ts keeps them equal). */
export const GRPC_VERSION = '1.14.7';

/**
 * The app's @grpc/grpc-js. Absent: one stderr line naming it and the install command (said once
 * per signal, on the first export: the exporter is not made again), then the error is rethrown,
 * the signal's records are counted as failed and the service runs on.
 */
export function requireGrpc(signal: string): GrpcJs {
  try {
    return require(GRPC_PACKAGE) as GrpcJs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') {
      process.stderr.write(`filament-otel: OTEL_EXPORTER_OTLP_PROTOCOL=grpc needs ${GRPC_PACKAGE}, which filament-otel does not install: npm install ${GRPC_PACKAGE}@${GRPC_VERSION}; ${signal} are not exported\n`);
    }
    throw error;
  }
}
