/**
 * The one idempotency rule for every resource: absent → create, present and covering what we want
 * → leave alone, otherwise → replace. In a dry run nothing is written and the report says what would be.
 */
import { covers } from './compare';
import type { Report } from './report';

export type Ensure = (resource: string, current: unknown, desired: unknown, write: () => Promise<void>) => Promise<void>;

export function ensure(report: Report, dryRun: boolean): Ensure {
  return async (resource, current, desired, write) => {
    if (current !== undefined && covers(current, desired)) {
      report.add({ outcome: 'unchanged', resource });
      return;
    }
    const creating = current === undefined;
    if (!dryRun) await write();
    report.add({ outcome: dryRun ? (creating ? 'would create' : 'would update') : creating ? 'created' : 'updated', resource });
  };
}
