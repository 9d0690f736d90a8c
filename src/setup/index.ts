/** What the rest of src uses of setup/: `filament setup` (run.ts; docs/setup.md). */
export { runSetup } from './run';
