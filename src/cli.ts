#!/usr/bin/env node
/**
 * `filament` — the command line of this package (bin in package.json). A separate entry from the
 * preload: nothing here is loaded into an instrumented service, and the engines' clients stay out
 * of the preload bundle.
 *
 *   filament setup --engine elasticsearch|opensearch --url URL [--dry-run] …   (docs/setup.md)
 *   filament verify --engine opensearch --url URL …                             (docs/setup.md)
 */
import { missingToolPackages } from './toolPackages';

const USAGE = `usage: filament <command>

commands:
  setup    provision retention, mappings, roles and users, audit and dashboards (filament setup --help)
  verify   check the store's rules: who reads, the audit trail, append-only, retention; exit 3 on a violation (filament verify --help)`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const err = (line: string) => process.stderr.write(`${line}\n`);
  if (command === 'setup' || command === 'verify') {
    // The engines' clients are not dependencies of filament-otel (src/toolPackages.ts): asked for
    // by name before anything that needs them is loaded.
    const missing = missingToolPackages('filament');
    if (missing !== undefined) {
      err(missing);
      return 2;
    }
    const { runSetup } = require('./setup') as typeof import('./setup');
    const { runVerify, verify } = require('./verify') as typeof import('./verify');
    return command === 'setup' ? runSetup(rest, process.env, out, err, verify) : runVerify(rest, process.env, out, err);
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 1 : 0;
  }
  process.stderr.write(`filament: unknown command "${command}"\n${USAGE}\n`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    process.stderr.write(`filament: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
