/**
 * The `filament` and `filament-responder` tools need packages a service never does (the
 * engines' clients, zxcvbn, amqplib). They are not dependencies of this package, so that a
 * service's `npm install filament-otel` brings only what the preload needs (docs/development.md,
 * "What a service installs"); a tool asks for them by name, with the versions it is tested
 * with, before it loads anything that needs them.
 */
import { createRequire } from 'node:module';
import * as path from 'node:path';

/** Each tool's packages, at the versions the project tests with (package.json devDependencies). */
export const TOOL_PACKAGES = {
  filament: ['@elastic/elasticsearch', '@opensearch-project/opensearch', 'zxcvbn'],
  'filament-responder': ['amqplib'],
} as const;

export type Tool = keyof typeof TOOL_PACKAGES;

function resolvable(name: string, bases: readonly string[]): boolean {
  for (const base of bases) {
    try {
      createRequire(base).resolve(name);
      return true;
    } catch {
      // not found from here
    }
  }
  return false;
}

function testedVersion(name: string): string | undefined {
  try {
    const pkg = createRequire(__filename)('../package.json') as { devDependencies?: Record<string, string> };
    return pkg.devDependencies?.[name];
  } catch {
    return undefined;
  }
}

/**
 * The one line naming what is missing and the install command, or undefined when all resolve.
 * `bases`: files whose require() is tried — the tool's own (an installed package) first, then
 * the folder it is run from (a global install, npx).
 */
export function missingToolPackages(tool: Tool, bases: readonly string[] = [__filename, path.join(process.cwd(), 'noop.js')]): string | undefined {
  const missing = TOOL_PACKAGES[tool].filter((name) => !resolvable(name, bases));
  if (missing.length === 0) return undefined;
  const specs = missing.map((name) => {
    const version = testedVersion(name);
    return version === undefined ? name : `${name}@${version}`;
  });
  return `${tool}: needs ${missing.join(', ')}, which a service does not and so filament-otel does not install: npm install ${specs.join(' ')}`;
}
