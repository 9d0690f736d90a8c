// @ts-check
/**
 * Pricing: polygon count → model processing time → cost (docs/pricing.md).
 *
 * processingTimeMs = PROCESSING.baseMs + PROCESSING.msPerThousandTriangles × triangles / 1000
 *   (slicing and toolpath generation grow with the polygon count)
 * printTimeS      = volumeMm3 / material.depositionMm3PerS + PROCESSING.setupS
 * cost            = setupFee + volumeMm3/1000 × density × pricePerGram + printTimeS/3600 × machineRatePerHour,
 *                   rounded to cents
 */
import { ModelError } from './parse.mjs';

export const PROCESSING = Object.freeze({ baseMs: 120, msPerThousandTriangles: 4, setupS: 300 });

/** @type {Readonly<Record<string, {densityGPerCm3:number, pricePerGram:number, depositionMm3PerS:number, machineRatePerHour:number}>>} */
export const MATERIALS = Object.freeze({
  PLA: { densityGPerCm3: 1.24, pricePerGram: 0.05, depositionMm3PerS: 8, machineRatePerHour: 4 },
  PETG: { densityGPerCm3: 1.27, pricePerGram: 0.06, depositionMm3PerS: 7, machineRatePerHour: 4.5 },
  RESIN: { densityGPerCm3: 1.1, pricePerGram: 0.12, depositionMm3PerS: 5, machineRatePerHour: 6 },
});

export const SETUP_FEE = 2.5;
export const CURRENCY = 'EUR';

/**
 * @param {{ triangles: number, volumeMm3: number }} model
 * @param {{ material?: string }} [options]
 * @returns {{ processingTimeMs: number, printTimeS: number, cost: number, currency: string, material: string }}
 */
export function priceModel(model, options = {}) {
  const material = (options.material ?? 'PLA').toUpperCase();
  const m = MATERIALS[material];
  if (!m) throw new ModelError('bad_material', `unknown material "${options.material}" (${Object.keys(MATERIALS).join(', ')})`);
  const processingTimeMs = PROCESSING.baseMs + (PROCESSING.msPerThousandTriangles * model.triangles) / 1000;
  const printTimeS = model.volumeMm3 / m.depositionMm3PerS + PROCESSING.setupS;
  const grams = (model.volumeMm3 / 1000) * m.densityGPerCm3;
  const raw = SETUP_FEE + grams * m.pricePerGram + (printTimeS / 3600) * m.machineRatePerHour;
  return { processingTimeMs, printTimeS, cost: Math.round(raw * 100) / 100, currency: CURRENCY, material };
}
