/**
 * What verify found, one line each, printed as found, and the closing verdict. A violation line
 * names the principal, the access and the role, mapping or setting that grants it.
 */
import type { Violation } from './violation';

export class VerifyReport {
  readonly violations: Violation[] = [];
  private readonly unchecked: string[] = [];
  /** Users the support role is granted to, as read from the cluster (undefined: security not read). */
  supportUsers: string[] | undefined;
  constructor(private readonly write: (line: string) => void) {}

  admins(names: readonly string[], supportExists: boolean): void {
    this.write(`  admins       ${names.join(', ')} (accepted: read and change everything; their reads must still be audited)${supportExists ? '' : ' — no user support yet'}`);
  }

  violation(v: Violation): void {
    this.violations.push(v);
    this.write(`  violation    ${v.line}`);
  }

  /** A limit of the engine that verify cannot turn into a rule, said plainly. */
  note(line: string): void {
    this.write(`  note         ${line}`);
  }

  notChecked(line: string): void {
    this.unchecked.push(line);
    this.write(`  not checked  ${line}`);
  }

  get failed(): boolean {
    return this.violations.length > 0;
  }

  summary(): string {
    const n = this.violations.length;
    if (n > 0) return `verify: ${n} violation(s): the logging ADR's rules do not hold`;
    return `verify: the logging ADR's rules hold${this.unchecked.length > 0 ? ` (${this.unchecked.length} not checked, see above)` : ''}`;
  }
}
