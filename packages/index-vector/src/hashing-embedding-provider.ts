import { ConfigError, throwIfAborted, type CallOptions, type EmbeddingProvider } from '@trawl/core';

export interface HashingEmbeddingProviderOptions {
  /** Vector length. Default 256. */
  dimensions?: number;
}

function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * **Not semantic.** A deterministic, offline {@link EmbeddingProvider} that hashes words and
 * character trigrams into a fixed-size vector (the "hashing trick"), L2-normalised. Texts that
 * share words and spellings land close together; synonyms and paraphrases do not. It exists for
 * tests, benchmarks and an embedded default that must work without a model or a network; use a
 * real model (see {@link OpenAIEmbeddingProvider}) for semantic search.
 *
 * ```ts
 * const embedder = new HashingEmbeddingProvider({ dimensions: 256 }) // model: "trawl-hashing-v1"
 * ```
 */
export class HashingEmbeddingProvider implements EmbeddingProvider {
  readonly model = 'trawl-hashing-v1';
  readonly dimensions: number;

  constructor(options: HashingEmbeddingProviderOptions = {}) {
    this.dimensions = options.dimensions ?? 256;
    if (!Number.isInteger(this.dimensions) || this.dimensions < 8) {
      throw new ConfigError(`hashing embedding dimensions must be an integer >= 8, got ${this.dimensions}`, { component: 'embeddings' });
    }
  }

  async embed(texts: readonly string[], options: CallOptions = {}): Promise<number[][]> {
    throwIfAborted(options.signal, 'embeddings');
    return texts.map((t) => this.embedOne(t));
  }

  /** The vector of one text, synchronously. */
  embedOne(text: string): number[] {
    const v = new Float64Array(this.dimensions);
    const add = (feature: string, weight: number) => {
      const h = fnv1a(feature);
      v[h % this.dimensions]! += (h & 0x80000000 ? -1 : 1) * weight;
    };
    const words = text
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .toLowerCase()
      .split(/[^a-z0-9\u00c0-\uffff]+/)
      .filter((w) => w.length > 1);
    for (const w of words) {
      add(`w:${w}`, 1);
      const padded = ` ${w} `;
      for (let i = 0; i + 3 <= padded.length; i++) add(`t:${padded.slice(i, i + 3)}`, 0.25);
    }
    let norm = 0;
    for (const x of v) norm += x * x;
    norm = Math.sqrt(norm) || 1;
    return Array.from(v, (x) => x / norm);
  }
}
