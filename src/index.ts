/**
 * filament-otel public API. Start the distribution with the preload
 * (`node --require filament-otel/preload app.js`); call these from the app.
 */
import { registeredSdk } from './lifecycle';

export { orderStatusChanged, modelPriced, type OrderStatusChange, type ModelPricing } from './events';
export { currentTraceparent, withTraceparent } from './events';
export * as semconv from './semconv';
export { PACKAGE_VERSION as version } from './version';

/** Exports everything buffered so far. Resolves at once without the preload. */
export async function forceFlush(): Promise<void> {
  await registeredSdk()?.forceFlush();
}

/**
 * Flushes and stops telemetry. Call it before `process.exit()` in your own
 * signal handler; afterwards events are no longer exported.
 */
export async function shutdown(): Promise<void> {
  await registeredSdk()?.shutdown();
}
