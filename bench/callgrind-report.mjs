#!/usr/bin/env node
/**
 * Where the instructions of a callgrind dump went, with V8's JIT code named:
 * callgrind sees JavaScript compiled by V8 only as addresses, which the perf
 * map Node writes under `--perf-basic-prof` (/tmp/perf-<pid>.map) resolves.
 * Used by bench/instructions.mjs (ANNOTATE=1); also runnable by hand:
 *
 *   node bench/callgrind-report.mjs <callgrind dump> [perf map] [per-unit divisor]
 *   INCLUSIVE='regex' also lists the inclusive cost of the functions whose names match
 *
 * Prints the top functions by self instructions and, for V8's megamorphic
 * inline-cache builtins (property loads and stores on objects of many shapes,
 * the largest single item in our profiles), the JavaScript functions calling them.
 */
import * as fs from 'node:fs';

/** Callgrind's compressed names ((id) name) are defined once per process, in whichever dump used them first. */
export function readDump(file, names = new Map()) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const self = new Map();
  const arcs = new Map(); // caller -> callee -> inclusive
  const name = (spec) => {
    const m = /^\((\d+)\)(?:\s+(.*))?$/.exec(spec.trim());
    if (!m) return spec.trim();
    if (m[2] !== undefined) names.set(m[1], m[2]);
    return names.get(m[1]) ?? `(${m[1]})`;
  };
  let fn = '';
  let callee = '';
  let inCall = false;
  let total = 0;
  for (const line of lines) {
    if (line.startsWith('fn=')) {
      fn = name(line.slice(3));
      continue;
    }
    if (line.startsWith('cfn=')) {
      callee = name(line.slice(4));
      continue;
    }
    if (line.startsWith('fl=') || line.startsWith('fi=') || line.startsWith('fe=') || line.startsWith('ob=')
      || line.startsWith('cob=') || line.startsWith('cfi=') || line.startsWith('cfl=')) {
      // define file/object names too (their ids share nothing with functions, but must not be read as costs)
      continue;
    }
    if (line.startsWith('calls=')) {
      inCall = true;
      continue;
    }
    if (line.startsWith('totals:')) total = Number(line.slice(7));
    const m = /^[+*-]?\d*\s+(\d+)\s*$/.exec(line);
    if (!m || line === '') continue;
    const cost = Number(m[1]);
    if (inCall) {
      inCall = false;
      let row = arcs.get(fn);
      if (row === undefined) arcs.set(fn, (row = new Map()));
      row.set(callee, (row.get(callee) ?? 0) + cost);
    } else {
      self.set(fn, (self.get(fn) ?? 0) + cost);
    }
  }
  return { self, arcs, total, names };
}

/** start, end, name of every JIT code object in a perf map, sorted. */
export function readPerfMap(file) {
  if (file === undefined || !fs.existsSync(file)) return [];
  const out = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (m) out.push({ start: parseInt(m[1], 16), end: parseInt(m[1], 16) + parseInt(m[2], 16), name: m[3] });
  }
  return out.sort((a, b) => a.start - b.start);
}

export function resolver(map) {
  return (fn) => {
    const m = /^0x([0-9a-f]+)$/.exec(fn);
    if (!m) return fn.replace(/ \[\/.*\]$/, '').replace(/^\?\?\?:/, '');
    const addr = parseInt(m[1], 16);
    let lo = 0;
    let hi = map.length - 1;
    let hit;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (map[mid].start <= addr) { hit = map[mid]; lo = mid + 1; } else hi = mid - 1;
    }
    return hit !== undefined && addr < hit.end ? hit.name : fn;
  };
}

export function report({ self, arcs, total }, map, divisor = 1, top = 40, inclusive = undefined) {
  const resolve = resolver(map);
  const merged = new Map();
  for (const [fn, c] of self) {
    const n = resolve(fn.replace(/^\?\?\?:/, '').replace(/ \[.*\]$/, ''));
    merged.set(n, (merged.get(n) ?? 0) + c);
  }
  const fmt = (c) => `${(c / divisor / 1000).toFixed(1)} k`;
  const out = [`total ${fmt(total)} per unit`, '', '| function (self instructions) | share | per unit |', '|---|---:|---:|'];
  for (const [n, c] of [...merged].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    out.push(`| ${n.replace(/\|/g, '\\|').slice(0, 140)} | ${((100 * c) / total).toFixed(1)} % | ${fmt(c)} |`);
  }
  // Callers of the megamorphic IC builtins (inclusive cost of the calls).
  const mega = /Builtins_(Keyed)?(Load|Store|Define)IC(Trampoline)?_Megamorphic|Builtins_LoadIC_Noninlined|Builtins_LoadICGeneric/;
  const callers = new Map();
  for (const [caller, row] of arcs) {
    for (const [callee, c] of row) {
      if (!mega.test(callee)) continue;
      const n = resolve(caller.replace(/^\?\?\?:/, '').replace(/ \[.*\]$/, ''));
      callers.set(n, (callers.get(n) ?? 0) + c);
    }
  }
  out.push('', '| caller of a megamorphic inline-cache builtin | instructions in those calls | per unit |', '|---|---:|---:|');
  for (const [n, c] of [...callers].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    out.push(`| ${n.replace(/\|/g, '\\|').slice(0, 140)} | ${((100 * c) / total).toFixed(1)} % | ${fmt(c)} |`);
  }
  if (inclusive !== undefined) {
    // Self plus the calls it makes (callgrind's inclusive cost of each call arc); recursion counts twice.
    const incl = new Map();
    for (const [fn, c] of self) {
      const n = resolve(fn.replace(/^\?\?\?:/, '').replace(/ \[.*\]$/, ''));
      let sum = c;
      for (const [callee, cc] of arcs.get(fn) ?? []) if (callee !== fn) sum += cc;
      if (inclusive.test(n)) incl.set(n, (incl.get(n) ?? 0) + sum);
    }
    out.push('', `| function matching ${inclusive} (inclusive) | share | per unit |`, '|---|---:|---:|');
    for (const [n, c] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      out.push(`| ${n.replace(/\|/g, '\\|').slice(0, 140)} | ${((100 * c) / total).toFixed(1)} % | ${fmt(c)} |`);
    }
  }
  return out.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dump, perfMap, divisor] = process.argv.slice(2);
  if (dump === undefined) {
    process.stderr.write('usage: node bench/callgrind-report.mjs <callgrind dump> [perf map] [divisor]\n');
    process.exit(2);
  }
  // Earlier dumps of the same process define the compressed names later ones use.
  const names = new Map();
  const base = dump.replace(/\.\d+$/, '');
  const index = Number(/\.(\d+)$/.exec(dump)?.[1] ?? 0);
  for (let i = 0; i < index; i++) {
    const earlier = i === 0 ? base : `${base}.${i}`;
    if (fs.existsSync(earlier)) readDump(earlier, names);
  }
  const inclusive = process.env.INCLUSIVE ? new RegExp(process.env.INCLUSIVE) : undefined;
  process.stdout.write(`${report(readDump(dump, names), readPerfMap(perfMap), Number(divisor ?? 1), 40, inclusive)}\n`);
}
