#!/usr/bin/env node
// What a service's `npm install` brings into node_modules: filament-otel (this checkout, packed),
// upstream's register (@opentelemetry/auto-instrumentations-node, whose `register` entry a
// service uses with --require, plus the sdk-node it needs), and Elastic's distribution (EDOT) —
// each into an empty app of its own, from the npm registry, at the versions package.json pins.
// Prints one line per variant: MB on disk (du, 1 MiB blocks), packages, files.
//   node bench/install-size.mjs            (needs the npm registry; ~1 min)
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const dev = pkg.devDependencies;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-install-'));
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

try {
  const tarball = path.join(work, npm(['pack', '--silent', '--pack-destination', work], ROOT).trim().split('\n').pop());
  const variants = [
    ['filament-otel', [tarball]],
    ['upstream register', [`@opentelemetry/auto-instrumentations-node@${dev['@opentelemetry/auto-instrumentations-node']}`, `@opentelemetry/sdk-node@${sdkNodeVersion()}`]],
    ['EDOT', [`@elastic/opentelemetry-node@${dev['@elastic/opentelemetry-node']}`]],
  ];
  process.stdout.write(`install size on Node ${process.versions.node}, npm ${npm(['--version'], work).trim()} (node_modules of an empty app after npm install)\n`);
  for (const [label, specs] of variants) {
    const app = path.join(work, label.replace(/\W+/g, '-'));
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    npm(['install', '--no-audit', '--no-fund', '--ignore-scripts', ...specs], app);
    const modules = path.join(app, 'node_modules');
    const mb = Number(execFileSync('du', ['-sm', modules], { encoding: 'utf8' }).split('\t')[0]);
    const lock = JSON.parse(fs.readFileSync(path.join(app, 'package-lock.json'), 'utf8'));
    const packages = Object.keys(lock.packages).filter((p) => p !== '').length;
    const files = Number(execFileSync('find', [modules, '-type', 'f'], { encoding: 'utf8', maxBuffer: 1 << 28 }).split('\n').length - 1);
    process.stdout.write(`  ${label.padEnd(18)} ${String(mb).padStart(4)} MB  ${String(packages).padStart(4)} packages  ${String(files).padStart(6)} files\n`);
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}

/** sdk-node of the same experimental line as the pinned otlp-transformer. */
function sdkNodeVersion() {
  return dev['@opentelemetry/otlp-exporter-base'] ?? pkg.dependencies['@opentelemetry/otlp-transformer'];
}
