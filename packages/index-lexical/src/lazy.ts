/** A dependency given as is, or as a factory called once on first use. */
export type Lazy<T> = T | (() => T);

/** Resolves a {@link Lazy} value on first call and caches it. */
export function lazy<T>(value: Lazy<T>): () => T {
  if (typeof value !== 'function') return () => value;
  let made: { v: T } | undefined;
  return () => (made ??= { v: (value as () => T)() }).v;
}
