/** One broken rule of the logging ADR, as verify prints it: principal, access, and what grants it. */
export type Invariant = 'a' | 'b' | 'c' | 'd' | 'e' | 'support-mapping';

export interface Violation {
  invariant: Invariant;
  line: string;
}
