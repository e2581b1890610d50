import type { SnapshotCache, SnapshotRef } from '@trawl/core';
import type { NotificationWatch, PostgresStore } from '@trawl/postgres';

/** The channel migration 0019's trigger announces every stamp change on. */
const CHANNEL = 'trawl_chunk_stamps';

/** A cache of snapshots' chunks, each read with the snapshot's stamp at the time. */
type Cache = Pick<SnapshotCache<{ readonly size: number; readonly stamp: string | null }>, 'forget' | 'clear' | 'loaded'>;

/**
 * What the PostgreSQL chunk stores of one database learn about writes to snapshots' chunks: the
 * stamp announcements of every process (one `LISTEN` per database, however many stores), and
 * the writes of stores in this process as soon as they commit (on a server the announcement of
 * one's own write arrives a moment after the commit). Each cache registered drops a snapshot's
 * entry when either tells of a write to it, unless the entry was read with the stamp announced
 * (it already holds that write: a late announcement of one's own write, say). An entry still
 * being read is judged when its read ends, from the stamps announced meanwhile (`recordRead`).
 */
export class StampWatch {
  readonly #caches = new Set<WeakRef<Cache>>();
  #started: Promise<boolean> | undefined;
  /** Whether the database announces stamp changes: migration 0019's trigger is there. */
  #announces = false;
  /** The stamps announced for each snapshot (by key) during each read of it in progress; null: deleted, or unknown. */
  readonly #reads = new Map<string, Set<(string | null)[]>>();
  #watch: NotificationWatch | undefined;

  constructor(readonly db: PostgresStore) {}

  /**
   * Subscribes (once; call after the schema is ensured), and resolves to whether the
   * announcements are being received. A database without migration 0019's trigger announces
   * nothing: then nothing is subscribed to, and `epoch` stays 0.
   */
  start(): Promise<boolean> {
    return (this.#started ??= (async () => {
      const trigger = await this.db
        .fetchValue<boolean>("SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'chunk_snapshot_stamps_announce' AND NOT tgisinternal)")
        .catch(() => false);
      if (!trigger) return false;
      this.#announces = true;
      this.#watch = this.db.watch(CHANNEL, (payload) => this.#announced(payload));
      return this.#watch.ready;
    })());
  }

  /** The subscription's epoch (`NotificationWatch.epoch`): 0 until started, and while announcements may be missed. */
  get epoch(): number {
    return this.#announces ? this.#watch!.epoch : 0;
  }

  register(cache: Cache): void {
    this.#caches.add(new WeakRef(cache));
  }

  /** Writes to these snapshots (or to every snapshot of a repository) committed. */
  changed(snapshots: readonly (SnapshotRef | { repoId: string; snapshotId?: undefined })[]): void {
    const distinct = new Map(snapshots.map((s) => [keyOf(s), s]));
    for (const cache of this.#live()) for (const s of distinct.values()) cache.forget(s.repoId, s.snapshotId);
  }

  /**
   * Records the stamps announced for `snapshot` from now until the returned function is called,
   * which returns them: a read of the snapshot's chunks that began now holds every write
   * announced meanwhile only if each announced the stamp it read.
   */
  recordRead(snapshot: SnapshotRef): () => readonly (string | null)[] {
    const key = keyOf(snapshot);
    const seen: (string | null)[] = [];
    let reads = this.#reads.get(key);
    if (!reads) this.#reads.set(key, (reads = new Set()));
    reads.add(seen);
    return () => {
      reads.delete(seen);
      if (reads.size === 0 && this.#reads.get(key) === reads) this.#reads.delete(key);
      return seen;
    };
  }

  *#live(): Generator<Cache> {
    for (const ref of this.#caches) {
      const cache = ref.deref();
      if (cache) yield cache;
      else this.#caches.delete(ref);
    }
  }

  #announced(payload: string): void {
    let ids: unknown;
    try {
      ids = payload === '*' ? null : JSON.parse(payload);
    } catch {
      ids = null;
    }
    if (Array.isArray(ids) && typeof ids[0] === 'string' && typeof ids[1] === 'string' && (typeof ids[2] === 'string' || ids[2] === null)) {
      const snapshot = { repoId: ids[0], snapshotId: ids[1] };
      const stamp = ids[2];
      for (const cache of this.#live()) {
        const held = cache.loaded(snapshot);
        if (held && (stamp === null || held.stamp !== stamp)) cache.forget(snapshot.repoId, snapshot.snapshotId);
      }
      for (const seen of this.#reads.get(keyOf(snapshot)) ?? []) seen.push(stamp);
      return;
    }
    // "any snapshot", or a payload this version does not read: everything may have changed
    for (const cache of this.#live()) cache.clear();
    for (const reads of this.#reads.values()) for (const seen of reads) seen.push(null);
  }
}

const watches = new WeakMap<PostgresStore, StampWatch>();

/** The stamp watch shared by every chunk store of `db`. */
export function stampWatchOf(db: PostgresStore): StampWatch {
  let watch = watches.get(db);
  if (!watch) watches.set(db, (watch = new StampWatch(db)));
  return watch;
}

const keyOf = (s: { repoId: string; snapshotId?: string }) => `${s.repoId}\0${s.snapshotId ?? ''}`;
