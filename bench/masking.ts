/**
 * `node --import tsx bench/masking.ts [git-ref]`: the cost of one
 * `Masker.mask` call on typical texts (µs, minimum over 30 rounds of 100k
 * calls — the minimum is the least disturbed figure on a shared machine).
 * With a git ref, the masker of that commit (`git show ref:src/masking/masker.ts`, or src/events/content.ts before it moved there,
 * with today's key list) is measured in the same process, alternating, for an
 * old-vs-new comparison (docs/benchmarks.md, "masking"). Last, what exporting `url.path` costs a
 * request (docs/events.md, "Content").
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readConfig } from '../src/config';
import { Masker } from '../src/masking';
import { exportedUrlPath } from '../src/http/urlPath';

interface MaskerLike {
  mask(text: string): { text: string; masked: number };
}

const SAMPLES: Record<string, string> = {
  'clean 4-key queue message': '{"orderNumber":"ORD-2026-000123","customerId":"C-42","status":"paid","previousStatus":"priced"}',
  'clean 20-key message': JSON.stringify(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`field${i}`, `value-${i}`]))),
  'one-line log text': 'GET /orders/ORD-1 took 12 ms at 10:15:00 status=200',
  'message with two secrets': '{"orderNumber":"ORD-1","password":"hunter2","customerEmail":"a@b.org"}',
  'escaped key, array of text': '{"orderNumber":"ORD-1","pass\\u0077ord":"hunter2","notes":["a: b","c"],"n":1}',
};

function load(ref: string): MaskerLike {
  const ROOT = path.resolve(__dirname, '..');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-mask-bench-'));
  const show = (file: string): string => execFileSync('git', ['show', `${ref}:${file}`], { cwd: ROOT, encoding: 'utf8' });
  // The masker of that commit, with today's default keys (the comparison is of the engine).
  let entry: string;
  try {
    const files = ['masker.ts', 'jsonKeys.ts'];
    for (const file of files) fs.writeFileSync(path.join(dir, file), show(`src/masking/${file}`));
    entry = path.join(dir, 'masker.ts');
  } catch {
    fs.writeFileSync(path.join(dir, 'content.ts'), show('src/events/content.ts')); // before src/masking/
    entry = path.join(dir, 'content.ts');
  }
  const engine = require(entry) as { Masker: new (keys: readonly string[]) => MaskerLike };
  return new engine.Masker(readConfig({}).config.maskKeys);
}

function perCall(masker: MaskerLike, text: string): number {
  const n = 100_000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) masker.mask(text);
  return Number(process.hrtime.bigint() - start) / n / 1000;
}

const ref = process.argv[2];
const variants: [string, MaskerLike][] = [['current', new Masker(readConfig({}).config.maskKeys)]];
if (ref !== undefined) variants.unshift([ref, load(ref)]);
for (const [name, text] of Object.entries(SAMPLES)) {
  const best = variants.map(() => Infinity);
  for (let round = 0; round < 30; round++) {
    variants.forEach(([, masker], i) => {
      best[i] = Math.min(best[i] as number, perCall(masker, text));
    });
  }
  console.log(`${name.padEnd(28)} ${variants.map(([v], i) => `${v} ${(best[i] as number).toFixed(2)} µs`).join('   ')}`);
}

// url.path as the server hook exports it (src/http/urlPath.ts): once per request, the current code only.
const pathMasker = new Masker(readConfig({}).config.maskKeys);
// Ids differ from request to request: each sample cycles through 1000 paths.
const PATHS: Record<string, (i: number) => string> = {
  '/orders/ORD-2026-<n>/status': (i) => `/orders/ORD-2026-${String(i).padStart(6, '0')}/status`,
  '/v1/models/price': () => '/v1/models/price',
  '/customers/<n>@example.com/orders': (i) => `/customers/c${i}@example.com/orders`,
};
for (const [name, make] of Object.entries(PATHS)) {
  const paths = Array.from({ length: 1000 }, (_, i) => make(i));
  let best = Infinity;
  for (let round = 0; round < 30; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < 100_000; i++) exportedUrlPath(paths[i % 1000] as string, pathMasker);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 100_000 / 1000);
  }
  console.log(`url.path ${name.padEnd(36)} ${best.toFixed(2)} µs`);
}
