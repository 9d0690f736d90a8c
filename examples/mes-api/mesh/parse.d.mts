export type ModelErrorCode =
  | 'empty' | 'too_large' | 'truncated' | 'bad_magic' | 'malformed'
  | 'no_triangles' | 'too_many_triangles' | 'non_finite' | 'bad_material';

export declare class ModelError extends Error {
  constructor(code: ModelErrorCode, message: string);
  readonly code: ModelErrorCode;
}

export interface ParsedModel {
  format: 'stl-binary' | 'stl-ascii' | 'obj';
  triangles: number;
  vertices?: number;
  boundingBoxMm: { x: number; y: number; z: number };
  volumeMm3: number;
  surfaceAreaMm2: number;
}

export interface ParseOptions {
  filename?: string;
  maxBytes?: number;
  maxTriangles?: number;
}

export declare function parseModel(buffer: Buffer, options?: ParseOptions): ParsedModel;
