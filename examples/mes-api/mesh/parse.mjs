// @ts-check
/**
 * 3D model parsers for the MES pricing service: binary STL, ASCII STL and OBJ.
 * Linear time; binary STL is read with readFloatLE and no per-triangle objects.
 * Volume by the divergence theorem (sum of signed tetrahedra), absolute value.
 */

export class ModelError extends Error {
  /**
   * @param {'empty'|'too_large'|'truncated'|'bad_magic'|'malformed'|'no_triangles'|'too_many_triangles'|'non_finite'|'bad_material'} code
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    this.name = 'ModelError';
    this.code = code;
  }
}

/**
 * @typedef {{ format: 'stl-binary'|'stl-ascii'|'obj', triangles: number, vertices?: number,
 *   boundingBoxMm: {x:number,y:number,z:number}, volumeMm3: number, surfaceAreaMm2: number }} ParsedModel
 * @typedef {{ filename?: string, maxBytes?: number, maxTriangles?: number }} ParseOptions
 */

const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;
const DEFAULT_MAX_TRIANGLES = 5_000_000;

/** Accumulates triangles: bounding box, signed volume, surface area. */
class Accumulator {
  constructor() {
    this.triangles = 0;
    this.volume6 = 0; // 6 × signed volume
    this.area2 = 0; // 2 × area
    this.minX = Infinity; this.minY = Infinity; this.minZ = Infinity;
    this.maxX = -Infinity; this.maxY = -Infinity; this.maxZ = -Infinity;
  }

  /** @param {number} x @param {number} y @param {number} z */
  point(x, y, z) {
    if (x < this.minX) this.minX = x; if (x > this.maxX) this.maxX = x;
    if (y < this.minY) this.minY = y; if (y > this.maxY) this.maxY = y;
    if (z < this.minZ) this.minZ = z; if (z > this.maxZ) this.maxZ = z;
  }

  /**
   * @param {number} ax @param {number} ay @param {number} az
   * @param {number} bx @param {number} by @param {number} bz
   * @param {number} cx @param {number} cy @param {number} cz
   */
  triangle(ax, ay, az, bx, by, bz, cx, cy, cz) {
    if (!Number.isFinite(ax + ay + az + bx + by + bz + cx + cy + cz)) {
      throw new ModelError('non_finite', `triangle ${this.triangles + 1} has a non-finite coordinate`);
    }
    this.triangles++;
    this.point(ax, ay, az); this.point(bx, by, bz); this.point(cx, cy, cz);
    // a · (b × c)
    this.volume6 += ax * (by * cz - bz * cy) - ay * (bx * cz - bz * cx) + az * (bx * cy - by * cx);
    const ux = bx - ax, uy = by - ay, uz = bz - az;
    const vx = cx - ax, vy = cy - ay, vz = cz - az;
    const nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
    this.area2 += Math.sqrt(nx * nx + ny * ny + nz * nz);
  }

  /** @param {ParsedModel['format']} format @param {number} [vertices] @returns {ParsedModel} */
  result(format, vertices) {
    if (this.triangles === 0) throw new ModelError('no_triangles', 'the model has no triangles');
    /** @type {ParsedModel} */
    const out = {
      format,
      triangles: this.triangles,
      boundingBoxMm: { x: this.maxX - this.minX, y: this.maxY - this.minY, z: this.maxZ - this.minZ },
      volumeMm3: Math.abs(this.volume6) / 6,
      surfaceAreaMm2: this.area2 / 2,
    };
    if (vertices !== undefined) out.vertices = vertices;
    return out;
  }
}

/** @param {Buffer} buf @param {number} maxTriangles */
function parseBinaryStl(buf, maxTriangles) {
  const count = buf.readUInt32LE(80);
  if (count > maxTriangles) throw new ModelError('too_many_triangles', `${count} triangles exceed the limit of ${maxTriangles}`);
  if (buf.length < 84 + 50 * count) {
    throw new ModelError('truncated', `the header announces ${count} triangles (${84 + 50 * count} bytes) but the file has ${buf.length} bytes`);
  }
  const acc = new Accumulator();
  for (let i = 0, o = 84 + 12; i < count; i++, o += 50) {
    acc.triangle(
      buf.readFloatLE(o), buf.readFloatLE(o + 4), buf.readFloatLE(o + 8),
      buf.readFloatLE(o + 12), buf.readFloatLE(o + 16), buf.readFloatLE(o + 20),
      buf.readFloatLE(o + 24), buf.readFloatLE(o + 28), buf.readFloatLE(o + 32),
    );
  }
  return acc.result('stl-binary');
}

/** @param {string} text @param {number} maxTriangles */
function parseAsciiStl(text, maxTriangles) {
  const acc = new Accumulator();
  const lines = text.split(/\r?\n/);
  /** @type {number[]} */
  let loop = [];
  let state = 'solid'; // expecting: solid → facet|endsolid → outer → vertex×3 → endloop → endfacet
  for (let n = 0; n < lines.length; n++) {
    const line = /** @type {string} */ (lines[n]).trim();
    if (line === '') continue;
    const words = line.split(/\s+/);
    const kw = words[0];
    const bad = () => new ModelError('malformed', `line ${n + 1}: unexpected "${line.slice(0, 60)}" (expected ${state})`);
    switch (state) {
      case 'solid':
        if (kw !== 'solid') throw bad();
        state = 'facet';
        break;
      case 'facet':
        if (kw === 'endsolid') { state = 'end'; break; }
        if (kw !== 'facet' || words[1] !== 'normal') throw bad();
        state = 'outer';
        break;
      case 'outer':
        if (kw !== 'outer' || words[1] !== 'loop') throw bad();
        loop = [];
        state = 'vertex';
        break;
      case 'vertex': {
        if (kw === 'endloop' && loop.length === 9) { state = 'endfacet'; break; }
        if (kw !== 'vertex' || words.length !== 4 || loop.length === 9) throw bad();
        for (let k = 1; k <= 3; k++) {
          const v = Number(words[k]);
          if (Number.isNaN(v) && !/^[+-]?(nan|inf)/i.test(String(words[k]))) throw bad();
          loop.push(v);
        }
        break;
      }
      case 'endfacet':
        if (kw !== 'endfacet') throw bad();
        if (acc.triangles >= maxTriangles) throw new ModelError('too_many_triangles', `more than ${maxTriangles} triangles`);
        acc.triangle(...(/** @type {[number,number,number,number,number,number,number,number,number]} */ (loop)));
        state = 'facet';
        break;
      case 'end':
        if (kw === 'solid') { state = 'facet'; break; } // several solids in one file
        throw bad();
      default:
        throw bad();
    }
  }
  if (state !== 'end') throw new ModelError('truncated', `the file ends inside the model (expected ${state})`);
  return acc.result('stl-ascii');
}

/** @param {string} text @param {number} maxTriangles */
function parseObj(text, maxTriangles) {
  const acc = new Accumulator();
  /** @type {number[]} */
  const v = [];
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = /** @type {string} */ (lines[n]).trim();
    if (line === '' || line[0] === '#') continue;
    const words = line.split(/\s+/);
    if (words[0] === 'v') {
      if (words.length < 4) throw new ModelError('malformed', `line ${n + 1}: a vertex needs x y z`);
      for (let k = 1; k <= 3; k++) {
        const c = Number(words[k]);
        if (words[k] === '' || (Number.isNaN(c) && !/^[+-]?(nan|inf)/i.test(String(words[k])))) {
          throw new ModelError('malformed', `line ${n + 1}: "${words[k]}" is not a number`);
        }
        v.push(c);
      }
    } else if (words[0] === 'f') {
      if (words.length < 4) throw new ModelError('malformed', `line ${n + 1}: a face needs at least 3 vertices`);
      const count = v.length / 3;
      /** @type {number[]} */
      const idx = [];
      for (let k = 1; k < words.length; k++) {
        const i = Number.parseInt(String(words[k]).split('/')[0] ?? '', 10);
        const resolved = i < 0 ? count + i : i - 1;
        if (!Number.isInteger(i) || i === 0 || resolved < 0 || resolved >= count) {
          throw new ModelError('malformed', `line ${n + 1}: vertex index "${words[k]}" is out of range`);
        }
        idx.push(resolved * 3);
      }
      // Fan triangulation of polygons.
      const a = /** @type {number} */ (idx[0]);
      for (let k = 1; k + 1 < idx.length; k++) {
        if (acc.triangles >= maxTriangles) throw new ModelError('too_many_triangles', `more than ${maxTriangles} triangles`);
        const b = /** @type {number} */ (idx[k]), c = /** @type {number} */ (idx[k + 1]);
        acc.triangle(
          /** @type {number} */ (v[a]), /** @type {number} */ (v[a + 1]), /** @type {number} */ (v[a + 2]),
          /** @type {number} */ (v[b]), /** @type {number} */ (v[b + 1]), /** @type {number} */ (v[b + 2]),
          /** @type {number} */ (v[c]), /** @type {number} */ (v[c + 1]), /** @type {number} */ (v[c + 2]),
        );
      }
    }
    // vt, vn, g, o, s, usemtl, mtllib: not needed for pricing
  }
  return acc.result('obj', v.length / 3);
}

/**
 * Parses an STL (binary or ASCII) or OBJ model.
 * @param {Buffer} buffer
 * @param {ParseOptions} [options]
 * @returns {ParsedModel}
 */
export function parseModel(buffer, options = {}) {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxTriangles = options.maxTriangles ?? DEFAULT_MAX_TRIANGLES;
  if (!buffer || buffer.length === 0) throw new ModelError('empty', 'the model file is empty');
  if (buffer.length > maxBytes) throw new ModelError('too_large', `the model is ${buffer.length} bytes; the limit is ${maxBytes}`);
  // Binary STL first, by size arithmetic: some binary files start with "solid".
  if (buffer.length >= 84) {
    const count = buffer.readUInt32LE(80);
    if (buffer.length === 84 + 50 * count) return parseBinaryStl(buffer, maxTriangles);
  }
  const head = buffer.subarray(0, Math.min(buffer.length, 512)).toString('latin1');
  const name = (options.filename ?? '').toLowerCase();
  if (/^\s*solid\b/.test(head)) {
    if (buffer.includes(0)) {
      // Looks ASCII but has NUL bytes: a binary STL whose size does not match.
      return parseBinaryStl(buffer, maxTriangles);
    }
    return parseAsciiStl(buffer.toString('utf8'), maxTriangles);
  }
  if (name.endsWith('.obj') || /^\s*(#|v\s|o\s|g\s|mtllib\s)/m.test(head)) {
    return parseObj(buffer.toString('utf8'), maxTriangles);
  }
  if (name.endsWith('.stl') && buffer.length >= 84) return parseBinaryStl(buffer, maxTriangles);
  throw new ModelError('bad_magic', 'not an STL or OBJ model');
}
