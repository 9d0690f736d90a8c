/** What the rest of src uses of logs/: the bridged loggers' processor (bridge.ts). */
export { BRIDGED_LOGGERS, BridgedLogProcessor } from './bridge';
