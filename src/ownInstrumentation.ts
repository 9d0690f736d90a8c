/**
 * The Instrumentation contract for Filament's own hooks that patch no module
 * on load (node:http prototypes, diagnostics channels): config bookkeeping
 * and idempotent enable/disable, so each hook only says what it switches.
 * registerInstrumentations() enables an instrumentation whose config says
 * `enabled: false`, which is how these start.
 */
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import type { Instrumentation, InstrumentationConfig } from '@opentelemetry/instrumentation';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version';

export abstract class OwnInstrumentation implements Instrumentation {
  readonly instrumentationName: string;
  readonly instrumentationVersion = PACKAGE_VERSION;
  private config: InstrumentationConfig = { enabled: false };

  protected constructor(name: string) {
    this.instrumentationName = `${PACKAGE_NAME}/${name}`;
  }

  /** Installs the hook (called once per enable). */
  protected abstract install(): void;
  /** Removes the hook (called once per disable). */
  protected abstract uninstall(): void;

  setTracerProvider(_provider: TracerProvider): void {
    // Hooks that make spans override this.
  }

  setMeterProvider(_provider: MeterProvider): void {
    // Hooks that record metrics override this.
  }

  setConfig(config: InstrumentationConfig): void {
    this.config = { ...config };
  }

  getConfig(): InstrumentationConfig {
    return this.config;
  }

  enable(): void {
    if (this.config.enabled === true) return;
    this.config.enabled = true;
    this.install();
  }

  disable(): void {
    if (this.config.enabled !== true) return;
    this.config.enabled = false;
    this.uninstall();
  }
}
