/** The span processor behind `api.error`'s exception details and the masking of exception text on spans. */
import { SpanStatusCode, type Context, type SpanAttributes } from '@opentelemetry/api';
import { getRPCMetadata, type RPCMetadata } from '@opentelemetry/core';
import type { ReadableSpan, Span as SdkSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import { ATTR_EXCEPTION_MESSAGE, ATTR_EXCEPTION_STACKTRACE, ATTR_EXCEPTION_TYPE } from '@opentelemetry/semantic-conventions';
import { getRuntime } from '../events';
import { MAX_ERROR_MESSAGE_CHARS, MAX_ERROR_STACK_CHARS, safeText } from '../masking';
import { firstException, keepFirstException, type ExceptionInfo } from './requestMetadata';

const kRpc = Symbol('filament.http.rpc');
type SpanWithRpc = { [kRpc]?: RPCMetadata };

function exceptionFromEvent(attributes: SpanAttributes): ExceptionInfo {
  const a = attributes;
  return {
    type: typeof a[ATTR_EXCEPTION_TYPE] === 'string' ? (a[ATTR_EXCEPTION_TYPE] as string) : undefined,
    message: typeof a[ATTR_EXCEPTION_MESSAGE] === 'string' ? (a[ATTR_EXCEPTION_MESSAGE] as string) : undefined,
    stack: typeof a[ATTR_EXCEPTION_STACKTRACE] === 'string' ? (a[ATTR_EXCEPTION_STACKTRACE] as string) : undefined,
  };
}

/**
 * Two jobs on every recorded span, at its end (onEnding: the span is still
 * writable there, and no processor has seen it ended yet):
 * - remembers, on the request's RPC metadata, the first exception recorded by
 *   any span inside the request (framework layers record them; the HTTP span
 *   does not), so `api.error` can carry type, message and stack — unmasked
 *   here, masked and counted when `api.error` is emitted;
 * - masks the text of exception events (message, stack) and of an error status
 *   message, with the same masker and caps as `api.error`, so an exported span
 *   carries no more than the record does (docs/events.md, "Content").
 * Unrecorded spans never reach a processor: `forwardUnrecordedExceptions` covers them.
 */
export class RequestExceptionCollector implements SpanProcessor {
  onStart(span: SdkSpan, parentContext: Context): void {
    const md = getRPCMetadata(parentContext);
    if (md !== undefined) (span as unknown as SpanWithRpc)[kRpc] = md;
  }

  onEnding(span: SdkSpan): void {
    const events = span.events;
    const status = span.status;
    if (events.length === 0 && (status.code !== SpanStatusCode.ERROR || status.message === undefined)) return;
    try {
      const md = (span as unknown as SpanWithRpc)[kRpc];
      const masker = getRuntime().masker;
      for (let i = 0; i < events.length; i++) {
        const e = events[i];
        if (e === undefined || e.name !== 'exception' || e.attributes === undefined) continue;
        const a = e.attributes;
        if (md !== undefined && firstException(md) === undefined) keepFirstException(md, exceptionFromEvent(a));
        if (typeof a[ATTR_EXCEPTION_MESSAGE] === 'string') {
          a[ATTR_EXCEPTION_MESSAGE] = safeText(a[ATTR_EXCEPTION_MESSAGE], MAX_ERROR_MESSAGE_CHARS, masker).text;
        }
        if (typeof a[ATTR_EXCEPTION_STACKTRACE] === 'string') {
          a[ATTR_EXCEPTION_STACKTRACE] = safeText(a[ATTR_EXCEPTION_STACKTRACE], MAX_ERROR_STACK_CHARS, masker).text;
        }
      }
      if (status.code === SpanStatusCode.ERROR && status.message !== undefined) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: safeText(status.message, MAX_ERROR_MESSAGE_CHARS, masker).text });
      }
    } catch {
      // Never break the ending of a span.
    }
  }

  onEnd(_span: ReadableSpan): void {
    // Everything happens in onEnding.
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
