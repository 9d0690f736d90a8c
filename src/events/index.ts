/**
 * What the rest of src uses of events/: the shared runtime and the emitter
 * (runtime.ts), content capture and masking (content.ts), the typed API's
 * domain events (domain.ts).
 */
export { emitEvent, getRuntime, installRuntime, type Runtime } from './runtime';
export {
  captureContent, MASK, Masker, MAX_ERROR_MESSAGE_CHARS, MAX_ERROR_STACK_CHARS, safeText, type MaskTally,
} from './content';
export { modelPriced, orderStatusChanged, type ModelPricing, type OrderStatusChange } from './domain';
