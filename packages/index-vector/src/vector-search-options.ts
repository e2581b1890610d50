import type { SearchOptions } from '@trawl/core';

/** Search options of the vector indexes. */
export interface VectorSearchOptions extends SearchOptions {
  /** Only chunks of these kinds (`function`, `method`, `class`, ...). */
  kinds?: readonly string[];
  /** Skip the approximate index and compare against every vector of the snapshot. */
  exact?: boolean;
  /** Drop hits scoring below this (cosine similarity, -1..1). */
  minScore?: number;
}
