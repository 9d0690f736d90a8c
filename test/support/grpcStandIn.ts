/**
 * Pieces of an in-test OTLP/gRPC collector stand-in over @grpc/grpc-js: the Export method of a
 * signal's service with the request and response passed as bytes (the test decodes what it
 * keeps with ./otlpProto.ts), and a server bound to a free loopback port.
 */
import * as grpc from '@grpc/grpc-js';

/** The OTLP export method (opentelemetry/proto/collector/<pkg>/v1/*_service.proto), bytes as they come. */
export function exportService(pkg: string, service: string): grpc.ServiceDefinition {
  const bytes = (b: Buffer): Buffer => b;
  return {
    Export: {
      path: `/opentelemetry.proto.collector.${pkg}.v1.${service}/Export`,
      requestStream: false, responseStream: false,
      requestSerialize: bytes, requestDeserialize: bytes, responseSerialize: bytes, responseDeserialize: bytes,
    },
  };
}

/** The three OTLP services: signal, proto package, service name. */
export const OTLP_SERVICES = [['logs', 'logs', 'LogsService'], ['traces', 'trace', 'TraceService'], ['metrics', 'metrics', 'MetricsService']] as const;

export type ExportHandler = (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => void;

/** Binds `server` to a free port on 127.0.0.1 without TLS (loopback test traffic) and resolves with the port. */
export function bindLoopback(server: grpc.Server): Promise<number> {
  return new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(),
    (error, port) => (error === null ? resolve(port) : reject(error))));
}
