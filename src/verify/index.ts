/** What the rest of src uses of verify/: `filament verify` (run.ts; docs/setup.md). */
export { runVerify } from './run';
export { verify } from './verify';
