// @ts-check
/**
 * The platform's one source of chance, seeded so that a run can be replayed: the MES API's fault
 * decisions (`Math.random() < errorRate` and the like) draw from here. FILAMENT_SEED (a 32-bit
 * unsigned integer) sets the seed; unset, each process picks one and the demo prints the seed it
 * handed to the services (`FILAMENT_SEED=<n> make demo` replays the same draws — the timing of the
 * traffic around them is the machine's).
 *
 * mulberry32 (Tommy Ettinger, public domain; https://gist.github.com/tommyettinger/46a874533244883189143505d203312c):
 * a 32-bit state, full period 2^32, enough for a demo's coin flips; not for anything secret.
 */
const crypto = require('node:crypto');

/** The seed from FILAMENT_SEED, else a fresh random one. Throws on a value that is not a 32-bit unsigned integer. */
function seedFromEnv(env = process.env) {
  const raw = env.FILAMENT_SEED;
  if (raw === undefined || raw === '') return crypto.randomBytes(4).readUInt32BE(0);
  if (!/^\d+$/.test(raw) || Number(raw) > 0xffffffff) throw new Error(`FILAMENT_SEED=${raw} is not an integer from 0 to 4294967295`);
  return Number(raw);
}

/** A generator of numbers in [0, 1) determined by `seed` (mulberry32). @param {number} seed @returns {() => number} */
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

module.exports = { seedFromEnv, seededRandom };
