/**
 * The security plugin's name patterns (index patterns, action names, user names, audit filters):
 * `*` any run of characters, `?` one character, or a Java regular expression between slashes
 * (WildcardMatcher in opensearch-security). Verify asks two questions of them: does a pattern match
 * this name, and could two patterns match a common name (a role's `logs-*` against `logs-filament.*`).
 */

function isRegex(pattern: string): boolean {
  return pattern.length > 1 && pattern.startsWith('/') && pattern.endsWith('/');
}

function regexMatches(pattern: string, name: string): boolean {
  try {
    return new RegExp(`^(?:${pattern.slice(1, -1)})$`).test(name);
  } catch {
    return true; // a pattern we cannot evaluate is assumed to match: verify errs towards naming a grant
  }
}

/**
 * Is there a string both glob patterns match? Position pairs, memoised: a `*` matches empty (skip
 * it) or swallows one character of the other side (stay). Two heads that are both `*` reduce to one
 * of them matching empty, so the search is complete.
 */
export function globsIntersect(a: string, b: string): boolean {
  const memo = new Map<number, boolean>();
  const step = (i: number, j: number): boolean => {
    const key = i * (b.length + 1) + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === a.length && j === b.length) result = true;
    else if (i < a.length && a[i] === '*') result = step(i + 1, j) || (j < b.length && step(i, j + 1));
    else if (j < b.length && b[j] === '*') result = step(i, j + 1) || (i < a.length && step(i + 1, j));
    else if (i < a.length && j < b.length) result = (a[i] === b[j] || a[i] === '?' || b[j] === '?') && step(i + 1, j + 1);
    else result = false;
    memo.set(key, result);
    return result;
  };
  return step(0, 0);
}

/** Does `pattern` match the literal `name` (which has no wildcards of its own)? */
export function matches(pattern: string, name: string): boolean {
  if (isRegex(pattern)) return regexMatches(pattern, name);
  return globsIntersect(pattern, name.replace(/[*?]/g, '\u0000'));
}

/** Could `pattern` and `target` (both patterns) name a common index? A regex is assumed to. */
export function overlaps(pattern: string, target: string): boolean {
  if (isRegex(pattern) || isRegex(target)) return true;
  return globsIntersect(pattern, target);
}

/**
 * An index pattern as the plugin evaluates it for one principal: `${user.name}` / `${user_name}`
 * become the user's name; any other attribute or date-math part (unknown here) becomes `*`.
 */
export function resolveIndexPattern(pattern: string, userName: string | undefined): string {
  return pattern
    .replace(/\$\{user[._]name\}/g, userName ?? '*')
    .replace(/\$\{[^}]*\}/g, '*')
    .replace(/^<(.*)>$/, (_m, inner: string) => inner.replace(/\{[^}]*\}/g, '*'));
}
