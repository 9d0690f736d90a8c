/**
 * OTLP/gRPC export calls for the exporters (the role of otlp-grpc-exporter-base's own transport,
 * which its package does not export: 0.301.2's index has settings, credentials and metrics
 * helpers, no transport). One unary call per batch on
 * `/opentelemetry.proto.collector.<signal>.v1.<Signal>Service/Export`, the bytes the signal's
 * protobuf serialiser made passed through as they are, over one @grpc/grpc-js channel per
 * signal with the exporter's resolved settings (address, TLS credentials, metadata from
 * OTEL_EXPORTER_OTLP_*HEADERS, gzip, user agent: `convertLegacyOtlpGrpcOptions`). Ours so that
 * a collector away is retried (OTLP spec, "Failures" for gRPC: the retryable statuses below;
 * upstream's transport answers every error as final) and a stop can cancel a call in flight.
 */
import type { ChannelCredentials, Client, Metadata, ServiceError } from '@grpc/grpc-js';
import type { ExportResponse, IExporterTransport } from '@opentelemetry/otlp-exporter-base';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version';
import { retryInfoDelayMillis } from './grpcRetryInfo';
import { MAX_BACKOFF_MS } from './retryingTransport';
import type { StopSignal } from './stopSignal';

/** @grpc/grpc-js as the app installed it (required at run time by src/sdk.ts). */
export type GrpcJs = typeof import('@grpc/grpc-js');

export interface OtlpGrpcParameters {
  /** host:port (or a unix: target), as `convertLegacyOtlpGrpcOptions` resolves the endpoint. */
  readonly address: string;
  readonly credentials: () => ChannelCredentials;
  readonly metadata: () => Metadata;
  readonly compression: 'gzip' | 'none';
  readonly userAgent?: string | undefined;
  /** The Export method's full path. */
  readonly path: string;
}

const USER_AGENT = `${PACKAGE_NAME}/${PACKAGE_VERSION} OTel-OTLP-Exporter-JavaScript`;
// gRPC status codes (grpc/grpc doc/statuscodes.md), as @grpc/grpc-js's `status` enum numbers them.
const CANCELLED = 1;
const DEADLINE_EXCEEDED = 4;
const RESOURCE_EXHAUSTED = 8;
/**
 * Retryable per the OTLP spec (specification/protocol/otlp.md, "Failures", OTLP/gRPC):
 * CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS — and
 * RESOURCE_EXHAUSTED only with RetryInfo (grpcRetryInfo.ts). Every other status is final.
 */
const UNAVAILABLE = 14;
const RETRYABLE = new Set([CANCELLED, DEADLINE_EXCEEDED, 10 /* ABORTED */, 11 /* OUT_OF_RANGE */, UNAVAILABLE, 15 /* DATA_LOSS */]);
/** Node's certificate verification errors (tls: checkServerIdentity, OpenSSL's X509 verify results). */
const CERTIFICATE_ERROR = /certificate|altnames|\bCERT_|DEPTH_ZERO_SELF_SIGNED/i;
// grpc.default_compression_algorithm values (grpc-js compression-algorithms.ts).
const GZIP = 2;
const IDENTITY = 0;

const passThrough = (bytes: Buffer): Buffer => bytes;

/** What an error status means for the batch (the error itself is kept: its `code` is the metrics' rpc.response.status_code). */
export function answerOf(error: ServiceError): ExportResponse {
  // grpc-js reports a failed TLS handshake as UNAVAILABLE, naming Node's verification error in the
  // details ("… Last error: Error: self-signed certificate …"). An untrusted or misnamed certificate
  // does not heal by waiting: final at once, as on the OTLP/HTTP path (httpTransport.ts).
  if (error.code === UNAVAILABLE && CERTIFICATE_ERROR.test(error.details ?? '')) return { status: 'failure', error };
  if (RETRYABLE.has(error.code)) return { status: 'retryable', error };
  if (error.code === RESOURCE_EXHAUSTED) {
    const details = error.metadata?.get('grpc-status-details-bin')[0];
    const delay = Buffer.isBuffer(details) ? retryInfoDelayMillis(details) : undefined;
    if (delay !== undefined) return { status: 'retryable', error, retryInMillis: delay };
  }
  return { status: 'failure', error };
}

export class OtlpGrpcTransport implements IExporterTransport {
  private client: Client | undefined;
  private metadata: Metadata | undefined;

  constructor(private readonly grpc: GrpcJs, private readonly parameters: OtlpGrpcParameters, private readonly stop: StopSignal) {}

  /** The signal's channel, made on the first export. */
  private connect(): { client: Client; metadata: Metadata } {
    this.metadata ??= this.parameters.metadata();
    this.client ??= new this.grpc.Client(this.parameters.address, this.parameters.credentials(), {
      'grpc.default_compression_algorithm': this.parameters.compression === 'gzip' ? GZIP : IDENTITY,
      'grpc.primary_user_agent': this.parameters.userAgent === undefined ? USER_AGENT : `${this.parameters.userAgent} ${USER_AGENT}`,
      // grpc-js waits 1 s x 1.6^n, up to 120 s, between reconnections (backoff-timeout.ts, gRPC's
      // connection-backoff.md): the collector's return went unseen for 11 s after a 30 s outage,
      // 3-7 s with this cap, the retry's own (docs/events.md, bench/grpc-restart.mjs).
      'grpc.initial_reconnect_backoff_ms': 1000,
      'grpc.max_reconnect_backoff_ms': MAX_BACKOFF_MS,
    });
    return { client: this.client, metadata: this.metadata };
  }

  send(data: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
    let channel: { client: Client; metadata: Metadata };
    try {
      channel = this.connect();
    } catch (error) {
      // Unusable settings (a malformed address or certificate): final, said by the delegate.
      return Promise.resolve({ status: 'failure', error: error as Error });
    }
    const { client, metadata } = channel;
    const epoch = this.stop.epoch;
    const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let cancel = (): void => undefined;
    const answered = new Promise<ExportResponse>((resolve) => {
      const call = client.makeUnaryRequest(this.parameters.path, passThrough, passThrough, body, metadata,
        { deadline: Date.now() + timeoutMillis }, (error, response) => {
          // A timed-out call (DEADLINE_EXCEEDED) leaves the channel as it is: grpc-js keeps one
          // connection per collector address, shared by the signals' channels (its subchannel
          // pool), and reconnects itself when that connection fails. Closing the channel to get
          // a fresh one left the old socket open against a collector that accepts and never
          // answers — one more every few seconds (docs/events.md, "Delivery").
          resolve(error === null ? { status: 'success', data: response ?? Buffer.alloc(0) } : answerOf(error));
        });
      cancel = () => call.cancel();
    });
    // A call in flight holds the event loop (grpc-js refs its HTTP/2 session while calls are
    // active) and cannot outlive the stop deadline: abandon() cancels it.
    void this.stop.race(answered).then(() => {
      if (this.stop.epoch !== epoch) cancel();
    });
    return answered;
  }

  shutdown(): void {
    this.client?.close();
    this.client = undefined;
  }
}
