// Regenerates the sample models deterministically: node examples/models/generate.mjs
import { writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
mkdirSync(`${dir}bad`, { recursive: true });

/** 12 outward-facing triangles of an axis-aligned cube of side s. */
function cube(s) {
  const p = [[0,0,0],[s,0,0],[s,s,0],[0,s,0],[0,0,s],[s,0,s],[s,s,s],[0,s,s]];
  const f = [[0,2,1],[0,3,2],[4,5,6],[4,6,7],[0,1,5],[0,5,4],[1,2,6],[1,6,5],[2,3,7],[2,7,6],[3,0,4],[3,4,7]];
  return f.map((t) => t.map((i) => p[i]));
}

function sphere(r, stacks, slices) {
  const tris = [];
  const pt = (i, j) => {
    const th = (Math.PI * i) / stacks, ph = (2 * Math.PI * j) / slices;
    return [r * Math.sin(th) * Math.cos(ph), r * Math.sin(th) * Math.sin(ph), r * Math.cos(th)];
  };
  for (let i = 0; i < stacks; i++) {
    for (let j = 0; j < slices; j++) {
      const a = pt(i, j), b = pt(i + 1, j), c = pt(i + 1, j + 1), d = pt(i, j + 1);
      if (i !== 0) tris.push([a, b, d]);
      if (i !== stacks - 1) tris.push([b, c, d]);
    }
  }
  return tris;
}

function binaryStl(tris, header = 'filament sample model') {
  const buf = Buffer.alloc(84 + 50 * tris.length);
  buf.write(header.padEnd(80, ' ').slice(0, 80), 0, 'latin1');
  buf.writeUInt32LE(tris.length, 80);
  tris.forEach((t, k) => {
    let o = 84 + 50 * k + 12; // normal left zero: parsers must not rely on it
    for (const v of t) for (const c of v) { buf.writeFloatLE(c, o); o += 4; }
  });
  return buf;
}

function asciiStl(tris, name = 'cube') {
  const lines = [`solid ${name}`];
  for (const t of tris) {
    lines.push('  facet normal 0 0 0', '    outer loop');
    for (const v of t) lines.push(`      vertex ${v.join(' ')}`);
    lines.push('    endloop', '  endfacet');
  }
  lines.push(`endsolid ${name}`);
  return lines.join('\r\n') + '\r\n';
}

const c = cube(10);
writeFileSync(`${dir}cube-10mm.stl`, binaryStl(c));
writeFileSync(`${dir}cube-10mm-ascii.stl`, asciiStl(c));
// A binary STL whose 80-byte header starts with "solid" (common in the wild).
writeFileSync(`${dir}cube-solid-header.stl`, binaryStl(c, 'solid exported by some CAD tool'));
// Square pyramid 10×10 base, height 6: volume 200 mm³; quad base triangulated.
writeFileSync(`${dir}pyramid.obj`, [
  '# square pyramid, 10 mm base, 6 mm high', 'o pyramid',
  'v 0 0 0', 'v 10 0 0', 'v 10 10 0', 'v 0 10 0', 'v 5 5 6',
  'vn 0 0 -1',
  'f 4//1 3//1 2//1 1//1', 'f 1 2 5', 'f 2/1 3/1 5/1', 'f -3 -2 -1', 'f 4 1 5', '',
].join('\n'));
// UV sphere radius 20 mm, 64 stacks × 128 slices.
writeFileSync(`${dir}sphere-r20.stl`, binaryStl(sphere(20, 64, 128)));

writeFileSync(`${dir}bad/empty.stl`, Buffer.alloc(0));
writeFileSync(`${dir}bad/truncated.stl`, binaryStl(c).subarray(0, 84 + 50 * 5 + 20));
writeFileSync(`${dir}bad/wrong-magic.bin`, Buffer.from('%PDF-1.7 this is not a model\n'));
writeFileSync(`${dir}bad/ascii-malformed.stl`, asciiStl(c).replace('outer loop', 'outer lop'));
const nan = binaryStl(c);
nan.writeFloatLE(Number.NaN, 84 + 12);
writeFileSync(`${dir}bad/nan.stl`, nan);
