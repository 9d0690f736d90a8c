/**
 * `import … from 'filament-otel'` (dist/index.mjs): the CommonJS API (index.ts)
 * by name, so an app that both imports and requires the package shares one
 * module instance and one state.
 */
import api from './index.js';

export const {
  orderStatusChanged, modelPriced, currentTraceparent, withTraceparent, semconv, version, forceFlush, shutdown,
} = api;
export type { OrderStatusChange, ModelPricing } from './index.js';
export default api;
