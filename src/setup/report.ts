/**
 * What a setup run did, one line per resource, and the closing verdict. A second run over an
 * unchanged cluster must say "no changes" — the idempotency promise is checked on this output.
 */
export type Outcome = 'created' | 'updated' | 'unchanged' | 'skipped' | 'would create' | 'would update';

export interface StepResult {
  outcome: Outcome;
  /** e.g. `role support`, `ISM policy filament-retention`. */
  resource: string;
  detail?: string;
}

export class Report {
  readonly results: StepResult[] = [];
  readonly warnings: string[] = [];
  constructor(private readonly write: (line: string) => void) {}

  add(result: StepResult): void {
    this.results.push(result);
    const detail = result.detail ? ` (${result.detail})` : '';
    this.write(`  ${result.outcome.padEnd(12)} ${result.resource}${detail}`);
  }

  /** A requirement the engine does not meet but that the run was told to accept, or a note for the operator. */
  warn(line: string): void {
    this.warnings.push(line);
    this.write(`  warning      ${line}`);
  }

  get changes(): number {
    return this.results.filter((r) => r.outcome !== 'unchanged' && r.outcome !== 'skipped').length;
  }

  summary(dryRun: boolean): string {
    const n = this.changes;
    if (n === 0) return 'no changes: everything was already in place';
    return dryRun ? `dry run: ${n} change(s) would be made; nothing was applied` : `${n} change(s) applied`;
  }
}
