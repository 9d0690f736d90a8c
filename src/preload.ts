/**
 * `node --require filament-otel/preload app.js` (and, through preload.mjs,
 * `node --import filament-otel/preload app.mjs`). Thin on purpose: read the
 * configuration, start the SDK, install the stop hooks, report problems.
 * Nothing here may stop the host service from starting.
 */
import { readConfig } from './config';
import { installCrashHandler } from './crash';
import { installShutdownHooks } from './lifecycle';
import { startSdk } from './sdk';
import { globals, kConfig, kStarted } from './symbols';

function startPreload(): void {
  if (globals[kStarted] === true) return; // --require and --import together
  globals[kStarted] = true;
  try {
    const { config, problems } = readConfig();
    globals[kConfig] = { config };
    if (config.disabled) {
      for (const line of problems) process.stderr.write(`${line}\n`);
      return;
    }
    const sdk = startSdk(config, problems);
    installShutdownHooks(sdk, config.shutdownTimeoutMs);
    installCrashHandler(sdk, config.shutdownTimeoutMs);
    for (const line of problems) process.stderr.write(`${line}\n`);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`filament-otel: start-up failed (${reason}); the service runs without telemetry\n`);
  }
}

startPreload();
