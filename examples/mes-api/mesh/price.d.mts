export declare const PROCESSING: Readonly<{ baseMs: number; msPerThousandTriangles: number; setupS: number }>;
export declare const MATERIALS: Readonly<Record<string, {
  densityGPerCm3: number; pricePerGram: number; depositionMm3PerS: number; machineRatePerHour: number;
}>>;
export declare const SETUP_FEE: number;
export declare const CURRENCY: string;
export declare function priceModel(
  model: { triangles: number; volumeMm3: number },
  options?: { material?: string },
): { processingTimeMs: number; printTimeS: number; cost: number; currency: string; material: string };
