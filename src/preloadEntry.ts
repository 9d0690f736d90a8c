/**
 * dist/preload.js: what `node --require filament-otel/preload` (and dist/preload.mjs) loads.
 * Thin on purpose: it runs the bundled preload (preload.ts, folded with everything it requires
 * into dist/preload-bundle.js by scripts/bundle.mjs) from V8's code cache where it may
 * (codeCache.ts). Only Node's built-ins load before the bundle.
 */
import * as path from 'node:path';
import { runBundle } from './codeCache';

runBundle(path.join(__dirname, 'preload-bundle.js'));
