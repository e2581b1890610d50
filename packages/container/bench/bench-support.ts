import type { Chunk } from '@trawl/core';

/** The p-th percentile (nearest rank) of a sample. */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

/** Prints an aligned text table. */
export function printTable(header: string[], body: string[][]): void {
  const w = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  console.log(header.map((h, i) => h.padEnd(w[i]!)).join('  '));
  console.log(w.map((n) => '-'.repeat(n)).join('  '));
  for (const r of body) console.log(r.map((c, i) => c.padEnd(w[i]!)).join('  '));
}

/**
 * Search queries drawn from the corpus itself: `count` function, method and class names spread
 * evenly over the chunks (the identifier lookups agents make most), plus natural-language
 * phrases that go through every index.
 */
export function benchQueries(chunks: readonly Chunk[], count: number, options: { warmUp?: boolean } = {}): string[] {
  const names = chunks.filter((c) => c.kind === 'function' || c.kind === 'method' || c.kind === 'class').map((c) => c.name).filter((n) => n.length > 5);
  const queries: string[] = [];
  const step = Math.max(1, Math.floor(names.length / count));
  // The warm-up set takes the names halfway between the measured ones: other queries, same corpus.
  for (let i = options.warmUp ? Math.floor(step / 2) : 0; queries.length < count && i < names.length; i += step) queries.push(names[i]!);
  if (!options.warmUp) queries.push('parse the configuration file', 'retry the request after a timeout', 'convert string to number');
  return queries;
}
