/**
 * Exceptions recorded on spans the sampler dropped, inside a server request,
 * still reach that request's `api.error` (the ADR wants the error message on
 * every API error, sampled or not).
 */
import {
  context, trace,
  type Context, type Exception, type Link, type Span, type SpanAttributes, type SpanAttributeValue, type SpanContext,
  type SpanOptions, type SpanStatus, type TimeInput, type Tracer, type TracerOptions, type TracerProvider,
} from '@opentelemetry/api';
import { getRPCMetadata, type RPCMetadata } from '@opentelemetry/core';
import { recordRequestException } from './requestMetadata';

/**
 * A span the sampler dropped, inside a server request: a no-op like the SDK's
 * non-recording span, except that an exception recorded on it still reaches
 * the request's `api.error` (the ADR wants the error message on every API
 * error, sampled or not).
 */
class UnrecordedRequestSpan implements Span {
  constructor(private readonly inner: Span, private readonly md: RPCMetadata) {}

  spanContext(): SpanContext {
    return this.inner.spanContext();
  }

  setAttribute(_key: string, _value: SpanAttributeValue): this {
    return this;
  }

  setAttributes(_attributes: SpanAttributes): this {
    return this;
  }

  addEvent(_name: string, _attributesOrStartTime?: SpanAttributes | TimeInput, _startTime?: TimeInput): this {
    return this;
  }

  addLink(_link: Link): this {
    return this;
  }

  addLinks(_links: Link[]): this {
    return this;
  }

  setStatus(_status: SpanStatus): this {
    return this;
  }

  updateName(_name: string): this {
    return this;
  }

  end(_endTime?: TimeInput): void {
    // nothing recorded, nothing to end
  }

  isRecording(): boolean {
    return false;
  }

  recordException(exception: Exception, _time?: TimeInput): void {
    recordRequestException(this.md, exception);
  }
}

/** Hands out UnrecordedRequestSpan where the wrapped tracer hands out a non-recording span inside a request. */
class ExceptionForwardingTracer implements Tracer {
  constructor(private readonly inner: Tracer) {}

  startSpan(name: string, options?: SpanOptions, ctx?: Context): Span {
    const span = this.inner.startSpan(name, options, ctx);
    if (span.isRecording()) return span;
    const md = getRPCMetadata(ctx ?? context.active());
    return md === undefined ? span : new UnrecordedRequestSpan(span, md);
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, ctx: Context, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, a?: SpanOptions | F, b?: Context | F, c?: F): ReturnType<F> {
    const fn = (typeof a === 'function' ? a : typeof b === 'function' ? b : c) as F;
    const options = typeof a === 'object' ? a : undefined;
    const parent = typeof b === 'object' ? b : context.active();
    const span = this.startSpan(name, options, parent);
    return context.with(trace.setSpan(parent, span), fn as (s: Span) => ReturnType<F>, undefined, span);
  }
}

/**
 * The provider instrumentations get (src/instrumentations.ts): the SDK's, with
 * each tracer wrapped so that exceptions recorded on unsampled spans inside a
 * request reach its `api.error` — with `always_off` or a ratio sampler an
 * Express handler's throw is only ever recorded on such a span.
 */
export function forwardUnrecordedExceptions(provider: TracerProvider): TracerProvider {
  return {
    getTracer(name: string, version?: string, options?: TracerOptions): Tracer {
      return new ExceptionForwardingTracer(provider.getTracer(name, version, options));
    },
  };
}
