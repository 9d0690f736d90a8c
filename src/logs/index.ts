/**
 * What the rest of src uses of logs/: the bridged loggers' processor (bridge.ts) and the logger
 * Filament's own events go through when the preload started the SDK (eventLogger.ts).
 */
export { BRIDGED_LOGGERS, BridgedLogProcessor } from './bridge';
export { EventLogger } from './eventLogger';
export type { RecordLimits } from './eventLogRecord';
