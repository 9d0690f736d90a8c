/**
 * What the rest of src uses of events/: the shared runtime and the emitter
 * (runtime.ts), the typed API's
 * domain events (domain.ts), worker threads' records (workers.ts) and
 * handing a trace over to them (traceparent.ts).
 */
export { emitEvent, emitLogRecord, getRuntime, installRuntime, type Runtime } from './runtime';
export { serveWorkerRecords } from './workers';
export { currentTraceparent, withTraceparent } from './traceparent';
export { modelPriced, orderStatusChanged, type ModelPricing, type OrderStatusChange } from './domain';
