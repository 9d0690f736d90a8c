/**
 * `node --import filament-otel/preload app.mjs` (dist/preload.mjs): hands the
 * CommonJS preload (preload.ts, bundled into dist/preload-bundle.js and run by dist/preload.js) a way to register
 * the import-in-the-middle loader hook, requires it, and holds the app's first
 * import until the hook has acknowledged every module the instrumentations
 * hook. Whether anything starts (OTEL_SDK_DISABLED, a worker thread, --require
 * given too) is decided in preload.ts alone.
 */
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { globals, kEsmHooks, kEsmLoader } from './symbols.js';

type SyncHooks = typeof import('import-in-the-middle/register-hooks.mjs');
type Iitm = typeof import('import-in-the-middle');

const require = createRequire(import.meta.url);
// The hook must be the import-in-the-middle copy the instrumentations use: the one
// dist/preload-bundle.js (which bundles @opentelemetry/instrumentation) requires from here.
const syncHooksUrl = (): string => pathToFileURL(require.resolve('import-in-the-middle/register-hooks.mjs')).href;
// Loaded whether or not the preload starts: the registration itself must be synchronous.
let syncHooks: SyncHooks | undefined;
let loadError: unknown;
try {
  syncHooks = await (import(syncHooksUrl()) as Promise<SyncHooks>);
} catch (error) {
  loadError = error;
}

let waitForHooks: (() => Promise<void>) | undefined;
globals[kEsmHooks] = () => {
  try {
    if (syncHooks === undefined) throw loadError;
    const iitm = require('import-in-the-middle') as Iitm;
    // Only modules an enabled instrumentation hooks are intercepted: the instrumentations' Hook()
    // calls reach the loader over this channel, acknowledged before the app's imports resolve.
    const { registerOptions, addHookMessagePort, waitForAllMessagesAcknowledged } = iitm.createAddHookMessageChannel<{ include: string[] }>();
    if (syncHooks.supportsSyncHooks()) {
      // In-thread hooks (module.registerHooks) where Node supports them: module.register() is
      // deprecated from Node 26 (DEP0205, a warning on every start) and runs a loader thread.
      syncHooks.register(registerOptions.data);
      addHookMessagePort.unref(); // the channel must not keep the app alive
    } else {
      register(pathToFileURL(require.resolve('import-in-the-middle/hook.mjs')), import.meta.url, registerOptions);
    }
    waitForHooks = waitForAllMessagesAcknowledged;
    globals[kEsmLoader] = true; // the instrumentations' import hooks are made from now on (importHook.ts)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`filament-otel: ESM loader hook not registered (${reason}); ESM modules are not instrumented\n`);
  }
};
require('./preload.js');
delete globals[kEsmHooks]; // not taken when the preload had already run (--require given too)
if (waitForHooks !== undefined) await waitForHooks();
