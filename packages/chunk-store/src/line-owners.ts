/**
 * Which span owns each line of one file, for files with many chunks: a line lookup that scans
 * every span of a 20 000-line file costs microseconds per matched line, and a broad lexical
 * query maps hundreds of lines.
 *
 * `owners[line]` is the position (in ranked order, best first) of the first span containing
 * `line`, or -1. It is painted worst span first, so the best span of each line is written last;
 * the cost is the sum of the span lengths (lines × nesting depth for a tree of chunks).
 */
export type LineOwners = Int32Array;

/** Files with at most this many spans are scanned; painting them would not pay. */
export const MIN_SPANS_TO_PAINT = 16;
/** A file whose spans cover more than this many lines per line (deep or overlapping windows) is scanned instead. */
const MAX_DEPTH = 64;

/**
 * Paints the owners of ranked spans `from..to-1` (`starts[i]`..`ends[i]`, 1-based, inclusive),
 * or returns null when painting would cost more than scanning (few spans, pathological overlap).
 */
export function paintLineOwners(starts: ArrayLike<number>, ends: ArrayLike<number>, from: number, to: number): LineOwners | null {
  if (to - from <= MIN_SPANS_TO_PAINT) return null;
  let maxLine = 0;
  let covered = 0;
  for (let i = from; i < to; i++) {
    if (ends[i]! > maxLine) maxLine = ends[i]!;
    covered += Math.max(0, ends[i]! - Math.max(1, starts[i]!) + 1);
  }
  if (covered > MAX_DEPTH * maxLine + 1024) return null;
  const owners = new Int32Array(maxLine + 1).fill(-1);
  for (let i = to - 1; i >= from; i--) owners.fill(i - from, Math.max(1, starts[i]!), ends[i]! + 1);
  return owners;
}

/** The ranked position that owns `line`, or -1. */
export function ownerAt(owners: LineOwners, line: number): number {
  return line >= 0 && line < owners.length ? owners[line]! : -1;
}
