/** What the rest of src uses of responder/: filament-responder's parts (docs/alerting.md). */
export { loadResponderConfig, ResponderConfigError } from './config';
export { connectBroker } from './broker';
export { createResponder } from './responder';
export { startResponderServer } from './server';
