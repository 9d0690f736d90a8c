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

const STARTED = Symbol.for('filament-otel.started.v1');
type Holder = { [STARTED]?: boolean };

function startPreload(): void {
  const holder = globalThis as Holder;
  if (holder[STARTED] === true) return; // --require and --import together
  holder[STARTED] = true;
  try {
    const { config, problems } = readConfig();
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
