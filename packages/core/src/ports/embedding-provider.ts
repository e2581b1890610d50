import type { CallOptions } from '../refs.js';

/**
 * Turns texts into vectors.
 *
 * Contract: `embed` returns one vector per input, in order, each of length `dimensions`;
 * it batches, retries and rate-limits internally; `model` + `dimensions` identify the vector
 * space, so indexes never mix vectors of different models.
 */
export interface EmbeddingProvider {
  readonly model: string;
  readonly dimensions: number;
  embed(texts: readonly string[], options?: CallOptions): Promise<number[][]>;
  close?(): Promise<void>;
}
