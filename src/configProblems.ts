/**
 * The one-line problems a setting's reader found (config.ts for Filament's and
 * the SDK's settings, otlpEnvChecks.ts for those upstream reads itself). A
 * leaf, so both readers can take it without importing each other.
 */
/** Collects the one-line problems; the caller decides where they go (stderr). */
export class ConfigProblems {
  readonly lines: string[] = [];
  /** The same problems without their fallback: a configuration file names them by its own paths (src/configFile). */
  readonly entries: { variable: string; problem: string }[] = [];
  add(variable: string, value: string, problem: string, fallback: string): void {
    this.lines.push(`filament-otel: ${variable}=${JSON.stringify(value)} ${problem}; using ${fallback}`);
    this.entries.push({ variable, problem: `${JSON.stringify(value)} ${problem}` });
  }
  /** For settings whose value may be a secret (headers): named, never echoed. */
  addWithoutValue(variable: string, problem: string, fallback: string): void {
    this.lines.push(`filament-otel: ${variable}: ${problem}; ${fallback}`);
    this.entries.push({ variable, problem });
  }
}
