import type { SnapshotRef } from './refs.js';

/**
 * Per-snapshot values built once and kept in memory, least recently used evicted first: the
 * in-memory search tables of the symbol and fuzzy indexes and the chunk store's line spans. A ready snapshot never changes, so a
 * value stays valid until its own process writes that snapshot again (`forget`). A load is shared
 * by every caller and tied to none of their signals; a failed load, or a value whose `size` is
 * 0 (a snapshot not written yet), is not kept.
 *
 * ```ts
 * const tables = new SnapshotCache<NameTable>(4)
 * const table = await tables.get(ref, () => loadNameTable(ref))
 * ```
 */
export class SnapshotCache<T extends { readonly size: number }> {
  readonly #entries = new Map<string, Promise<T>>();
  readonly #loaded = new WeakMap<Promise<T>, T>();

  constructor(readonly capacity: number) {}

  /** The snapshot's value, loaded on first use. */
  get(snapshot: SnapshotRef, load: () => Promise<T>): Promise<T> {
    const key = cacheKey(snapshot.repoId, snapshot.snapshotId);
    let value = this.#entries.get(key);
    if (value) {
      this.#entries.delete(key); // re-inserted below: most recently used last
    } else {
      const loading = load();
      value = loading;
      loading.then(
        (v) => {
          this.#loaded.set(loading, v);
          if (v.size === 0 && this.#entries.get(key) === loading) this.#entries.delete(key);
        },
        () => this.#entries.get(key) === loading && this.#entries.delete(key),
      );
    }
    this.#entries.set(key, value);
    while (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value!);
    return value;
  }

  /**
   * The snapshot's value if it has finished loading, else `undefined` after starting the load
   * (once): for callers that have a slower path to answer from meanwhile rather than wait.
   */
  peek(snapshot: SnapshotRef, load: () => Promise<T>): T | undefined {
    return this.#loaded.get(this.get(snapshot, load));
  }

  /** The snapshot's value if it has finished loading; starts no load. */
  loaded(snapshot: SnapshotRef): T | undefined {
    const value = this.#entries.get(cacheKey(snapshot.repoId, snapshot.snapshotId));
    return value && this.#loaded.get(value);
  }

  /** Drops every value. */
  clear(): void {
    this.#entries.clear();
  }

  /** Drops one snapshot's value, or every snapshot's of the repository. */
  forget(repoId: string, snapshotId?: string): void {
    const prefix = snapshotId === undefined ? `${repoId}\0` : cacheKey(repoId, snapshotId);
    for (const key of [...this.#entries.keys()]) if (key.startsWith(prefix)) this.#entries.delete(key);
  }
}

function cacheKey(repoId: string, snapshotId: string): string {
  return `${repoId}\0${snapshotId}\0`;
}
