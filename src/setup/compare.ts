/**
 * Does the engine already hold what we would send? Engines echo back more than they were given
 * (reserved flags, timestamps, defaults) and turn numbers into strings in settings, so "covers"
 * means: every value we want is there, compared as text for scalars; arrays element by element.
 */
export function covers(current: unknown, desired: unknown): boolean {
  if (desired === undefined) return true;
  if (desired === null || typeof desired !== 'object') {
    if (current === null || current === undefined || typeof current === 'object') return desired === current;
    return String(current) === String(desired);
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(current) || current.length !== desired.length) return false;
    return desired.every((d, i) => covers(current[i], d));
  }
  if (current === null || typeof current !== 'object' || Array.isArray(current)) return false;
  const cur = current as Record<string, unknown>;
  return Object.entries(desired as Record<string, unknown>).every(([k, v]) => covers(cur[k], v));
}

/** Sorted copy without duplicates: for sets the engines may reorder (user lists, permissions). */
export function union(...lists: ReadonlyArray<readonly string[] | undefined>): string[] {
  return [...new Set(lists.flatMap((l) => l ?? []))].sort();
}
