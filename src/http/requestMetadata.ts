/**
 * A request's RPC metadata (@opentelemetry/core) as the HTTP hooks share it:
 * the server hook puts it on the request object for framework hooks, and it
 * carries the request's first exception to `api.error`.
 */
import type { RPCMetadata } from '@opentelemetry/core';
import { kRequestMetadata } from '../symbols';

/** What `api.error` reports of an exception: unmasked here, masked when emitted. */
export interface ExceptionInfo {
  type: string | undefined;
  message: string | undefined;
  stack: string | undefined;
}

const kError = Symbol('filament.http.error');
type RpcWithError = RPCMetadata & { [kError]?: ExceptionInfo };

export function attachRequestMetadata(req: object, md: RPCMetadata): void {
  (req as { [kRequestMetadata]?: RPCMetadata })[kRequestMetadata] = md;
}

export function requestMetadata(req: object): RPCMetadata | undefined {
  return (req as { [kRequestMetadata]?: RPCMetadata })[kRequestMetadata];
}

/** The request's first exception, if one was kept. */
export function firstException(md: RPCMetadata): ExceptionInfo | undefined {
  return (md as RpcWithError)[kError];
}

/** Keeps `info` unless the request already has an exception (the first one explains the error). */
export function keepFirstException(md: RPCMetadata, info: ExceptionInfo): void {
  const withError = md as RpcWithError;
  if (withError[kError] === undefined) withError[kError] = info;
}

/** Keeps the first exception of a request for its `api.error` (framework error hooks call this). */
export function recordRequestException(md: RPCMetadata, error: unknown): void {
  if (firstException(md) !== undefined) return;
  keepFirstException(md, error instanceof Error
    ? { type: error.name, message: error.message, stack: error.stack }
    : { type: typeof error, message: String(error), stack: undefined });
}
