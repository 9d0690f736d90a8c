import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as ParseModule from '../examples/mes-api/mesh/parse.mjs' with { 'resolution-mode': 'import' };
import type * as PriceModule from '../examples/mes-api/mesh/price.mjs' with { 'resolution-mode': 'import' };

// The examples are plain ES modules run by node; a CommonJS test loads them dynamically.
let ModelError: typeof ParseModule.ModelError;
let parseModel: typeof ParseModule.parseModel;
let MATERIALS: typeof PriceModule.MATERIALS;
let PROCESSING: typeof PriceModule.PROCESSING;
let SETUP_FEE: number;
let priceModel: typeof PriceModule.priceModel;
type ModelError = ParseModule.ModelError;

const MODELS = path.join(__dirname, '..', 'examples', 'models');
const read = (name: string) => fs.readFileSync(path.join(MODELS, name));

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ModelError, String(error));
    return error.code;
  }
  assert.fail('no error');
}

describe('MES example: 3D model parsing and pricing', () => {
  before(async () => {
    ({ ModelError, parseModel } = await import('../examples/mes-api/mesh/parse.mjs'));
    ({ MATERIALS, PROCESSING, SETUP_FEE, priceModel } = await import('../examples/mes-api/mesh/price.mjs'));
  });

  it('binary STL cube: 12 triangles, 1000 mm³, 10×10×10', () => {
    const m = parseModel(read('cube-10mm.stl'));
    assert.equal(m.format, 'stl-binary');
    assert.equal(m.triangles, 12);
    assert.ok(Math.abs(m.volumeMm3 - 1000) < 1e-6);
    assert.ok(Math.abs(m.surfaceAreaMm2 - 600) < 1e-6);
    assert.deepEqual(m.boundingBoxMm, { x: 10, y: 10, z: 10 });
  });

  it('ASCII STL (CRLF) agrees with binary; a binary file whose header says "solid" is binary', () => {
    const a = parseModel(read('cube-10mm-ascii.stl'));
    assert.equal(a.format, 'stl-ascii');
    assert.deepEqual({ ...a, format: 'x' }, { ...parseModel(read('cube-10mm.stl')), format: 'x' });
    assert.equal(parseModel(read('cube-solid-header.stl')).format, 'stl-binary');
  });

  it('OBJ pyramid: quad base fan-triangulated, relative indices, exact volume', () => {
    const m = parseModel(read('pyramid.obj'), { filename: 'pyramid.obj' });
    assert.equal(m.format, 'obj');
    assert.equal(m.triangles, 6);
    assert.equal(m.vertices, 5);
    assert.ok(Math.abs(m.volumeMm3 - 200) < 1e-9);
  });

  it('larger mesh: exact triangle count, volume close to the sphere', () => {
    const m = parseModel(read('sphere-r20.stl'));
    assert.equal(m.triangles, 128 * 126);
    const analytic = (4 / 3) * Math.PI * 20 ** 3;
    assert.ok(Math.abs(m.volumeMm3 - analytic) / analytic < 0.01, String(m.volumeMm3));
  });

  it('malformed files give the right error code', () => {
    assert.equal(code(() => parseModel(read('bad/empty.stl'))), 'empty');
    assert.equal(code(() => parseModel(read('bad/truncated.stl'), { filename: 'truncated.stl' })), 'truncated');
    assert.equal(code(() => parseModel(read('bad/wrong-magic.bin'))), 'bad_magic');
    assert.equal(code(() => parseModel(read('bad/nan.stl'))), 'non_finite');
    const err = (() => { try { parseModel(read('bad/ascii-malformed.stl')); } catch (e) { return e as ModelError; } return undefined; })();
    assert.equal(err?.code, 'malformed');
    assert.match(err?.message ?? '', /^line 3: /);
  });

  it('enforces maxBytes and maxTriangles', () => {
    assert.equal(code(() => parseModel(read('cube-10mm.stl'), { maxBytes: 100 })), 'too_large');
    assert.equal(code(() => parseModel(read('sphere-r20.stl'), { maxTriangles: 1000 })), 'too_many_triangles');
    assert.equal(code(() => parseModel(read('pyramid.obj'), { maxTriangles: 3 })), 'too_many_triangles');
  });

  it('prices the cube exactly by the documented formula', () => {
    const pla = MATERIALS.PLA as NonNullable<typeof MATERIALS.PLA>;
    const p = priceModel({ triangles: 12, volumeMm3: 1000 }, { material: 'pla' });
    assert.equal(p.processingTimeMs, PROCESSING.baseMs + (PROCESSING.msPerThousandTriangles * 12) / 1000);
    const printTimeS = 1000 / pla.depositionMm3PerS + PROCESSING.setupS;
    assert.equal(p.printTimeS, printTimeS);
    const cost = SETUP_FEE + 1 * pla.densityGPerCm3 * pla.pricePerGram + (printTimeS / 3600) * pla.machineRatePerHour;
    assert.equal(p.cost, Math.round(cost * 100) / 100);
    assert.equal(p.cost, 3.03);
    assert.equal(p.currency, 'EUR');
    assert.equal(p.material, 'PLA');
  });

  it('rejects an unknown material', () => {
    assert.equal(code(() => priceModel({ triangles: 12, volumeMm3: 1000 }, { material: 'gold' })), 'bad_material');
  });
});
