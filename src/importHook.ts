/**
 * The `import-in-the-middle` the bundled instrumentations get (scripts/bundle.mjs points
 * @opentelemetry/instrumentation's import of it here): its `Hook`, made only when the ESM entry
 * (preload.mts) registered import-in-the-middle's loader hook in this thread. Without that loader
 * (`--require` alone) a Hook can never see an import, yet loading the package to make one cost every
 * start-up ~3 ms of main-thread CPU (three files resolved, read and compiled; docs/benchmarks.md,
 * "Third pass"). The `require` hooks (require-in-the-middle) are made as before either way.
 */
import type * as Iitm from 'import-in-the-middle';
import { globals, kEsmLoader } from './symbols';

type HookArgs = [modules: string[], options: Iitm.Options, hookFn: Iitm.HookFn];

export class Hook {
  private readonly real: Iitm.Hook | undefined;

  constructor(...args: HookArgs) {
    // The very copy preload.mts registered the loader with: required from the same place.
    this.real = globals[kEsmLoader] === true ? new (require('import-in-the-middle') as typeof Iitm).Hook(...args) : undefined;
  }

  unhook(): void {
    this.real?.unhook();
  }
}
