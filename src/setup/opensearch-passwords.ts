/**
 * The security plugin refuses a weak internal-user password only when the user is written, after
 * the templates and roles: a run then stopped part-way (exit 2) and a --dry-run said nothing. The
 * plugin's rule (opensearch-security PasswordValidator): length within plugins.security.restapi.
 * password_min_length and 100, the whole password matching password_validation_regex when set,
 * a zxcvbn score of at least password_score_based_validation_strength (fair 1, strong 3 — the
 * default —, very_strong 4) with the user name as zxcvbn's user input, and no match of that user
 * input (too similar to the name). The plugin uses zxcvbn4j, a port of zxcvbn 4.4.2: the same
 * library here, so preflight refuses what the write would.
 */
import zxcvbn = require('zxcvbn');

export interface PasswordRules {
  minLength: number;
  regex: string | undefined;
  strength: 'fair' | 'strong' | 'very_strong';
}

export const DEFAULT_PASSWORD_RULES: PasswordRules = { minLength: -1, regex: undefined, strength: 'strong' };
const SCORES = { fair: 1, strong: 3, very_strong: 4 } as const;
const MAX_LENGTH = 100;

/** The node's restapi settings (GET _nodes/settings), defaults where unset. */
export function passwordRules(restapi: Record<string, unknown> | undefined): PasswordRules {
  const get = (key: string) => restapi?.[key] as string | undefined;
  const strength = (get('password_score_based_validation_strength') ?? 'strong').toLowerCase();
  return {
    minLength: Number(get('password_min_length') ?? -1),
    regex: get('password_validation_regex') || undefined,
    strength: strength === 'fair' || strength === 'very_strong' ? strength : 'strong',
  };
}

/** plugins.security.restapi.* of a node's settings, nested (`plugins: {security: …}`) or flat keys. */
export function restapiSettings(settings: Record<string, unknown> | undefined): Record<string, unknown> {
  const nested = (settings?.plugins as { security?: { restapi?: Record<string, unknown> } } | undefined)?.security?.restapi ?? {};
  const flat = Object.fromEntries(Object.entries(settings ?? {})
    .filter(([k]) => k.startsWith('plugins.security.restapi.'))
    .map(([k, v]) => [k.slice('plugins.security.restapi.'.length), v]));
  return { ...nested, ...flat };
}

/** Why OpenSearch would refuse `password` for `user`, or undefined. */
export function passwordProblem(user: string, password: string, rules: PasswordRules): string | undefined {
  if (rules.minLength > 0 && password.length < rules.minLength) return `shorter than plugins.security.restapi.password_min_length (${rules.minLength})`;
  if (password.length > MAX_LENGTH) return `longer than ${MAX_LENGTH} characters`;
  if (rules.regex !== undefined) {
    let pattern: RegExp | undefined;
    try {
      pattern = new RegExp(`^${rules.regex}$`);
    } catch { /* a Java-only construct: leave the verdict to the plugin */ }
    if (pattern && !pattern.test(password)) return `does not match plugins.security.restapi.password_validation_regex`;
  }
  const result = zxcvbn(password, [user]);
  if (result.score < SCORES[rules.strength]) {
    return `too weak (zxcvbn score ${result.score}, the plugin requires ${SCORES[rules.strength]}: password_score_based_validation_strength ${rules.strength})`;
  }
  if (result.sequence.some((m) => m.pattern === 'dictionary' && m.dictionary_name === 'user_inputs')) {
    return `too similar to the user name "${user}"`;
  }
  return undefined;
}
