/**
 * What the rest of src uses of events/: the shared runtime and the emitter
 * (runtime.ts), content capture and masking (content.ts), the typed API's
 * domain events (domain.ts), worker threads' records (workers.ts) and
 * handing a trace over to them (traceparent.ts).
 */
export { emitEvent, emitLogRecord, getRuntime, installRuntime, type Runtime } from './runtime';
export { serveWorkerRecords } from './workers';
export { currentTraceparent, withTraceparent } from './traceparent';
export {
  captureContent, MASK, Masker, MAX_ERROR_MESSAGE_CHARS, MAX_ERROR_STACK_CHARS, safeText, type MaskTally,
} from './content';
export { modelPriced, orderStatusChanged, type ModelPricing, type OrderStatusChange } from './domain';
