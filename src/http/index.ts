/**
 * What the rest of src uses of http/: the incoming-request hook (server.ts)
 * and Fastify's route/error hook (fastify.ts), outgoing-HTTP configuration
 * (outgoing.ts), and the exception collection behind `api.error`
 * (requestExceptionCollector.ts, unsampledExceptions.ts).
 */
export { FilamentHttpServerInstrumentation } from './server';
export { FilamentFastifyInstrumentation } from './fastify';
export { httpInstrumentationConfig } from './outgoing';
export { RequestExceptionCollector } from './requestExceptionCollector';
export { forwardUnrecordedExceptions } from './unsampledExceptions';
