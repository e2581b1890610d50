import {
  bounded,
  normalizeChunk,
  SnapshotCache,
  throwIfAborted,
  validateChunk,
  validateChunks,
  type CallOptions,
  type Chunk,
  type ChunkInput,
  type ChunkStore,
  type LineLocation,
  type LineLookupOptions,
  type LineLookup,
  type SnapshotRef,
  type SymbolContextNeed,
} from '@trawl/core';
import { randomUUID } from 'node:crypto';
import { ensureSchema, SnapshotSpans, type PostgresQueryable, type PostgresStore } from '@trawl/postgres';
import { CHUNK_COLUMNS, cloneChunk, kindRankSql, rowToChunk, type ChunkRow } from './chunk-rows.js';
import { ChunkSpanTable } from './chunk-span-table.js';
import { stampWatchOf, type StampWatch } from './stamp-watch.js';

export interface PostgresChunkStoreOptions {
  /** Rows per INSERT statement (default 5000). Every batch of one call shares a transaction. */
  batchSize?: number;
  /** Run migrations on first use (default true). */
  ensureSchema?: boolean;
  /**
   * Snapshots whose chunk line spans are kept in memory for {@link PostgresChunkStore.findChunksAtLines}
   * (default 4, least recently used dropped; `0` turns it off). A snapshot's spans load in the
   * background on its first line lookup (~0.8 s and ~10 MB at 110k chunks), which is answered in
   * SQL meanwhile; later lookups resolve lines in memory and read only the chunks found. Any write
   * through this store drops the snapshot's spans.
   */
  spanCacheSize?: number;
  /**
   * Chunk rows kept in memory per snapshot whose spans are (default 10 000; rows unused while half
   * that many others were read or used are dropped; `0` turns it off). While the snapshot's write stamp is the one its spans were read
   * with, line lookups, and `getChunks` of rows kept, answer from memory; any write to the
   * snapshot, by any process, changes its stamp (see `changeNotifications` for how it is checked).
   */
  rowCacheSize?: number;
  /**
   * Learn of other processes' writes from PostgreSQL notifications rather than by reading the
   * snapshot's stamp on every line lookup (default true). With them a lexical search on a known,
   * unchanged snapshot makes no database round trip: each stamp change is announced when its
   * transaction commits (migration 0019), and the spans and rows of that snapshot are dropped when
   * the announcement arrives. Writes through stores of the same `PostgresStore`, and any write
   * on PGlite, are seen as soon as they commit; another process's write on a server a moment
   * later (the announcement's trip, well under a millisecond on one host), and a search that
   * starts in between may map its lines to the chunks as they were. While notifications are not
   * being received (the listening connection is lost or not yet confirmed, `pool` was handed in,
   * or the database lacks migration 0019's trigger: checked once per `PostgresStore`, when the
   * first spans load), every lookup reads the stamp, as with `false`.
   */
  changeNotifications?: boolean;
}

/** A check, begun with a line lookup, that `spans` are still their snapshot's. */
interface StampCheck {
  spans: ChunkSpanTable;
  current: Promise<boolean>;
  /** `current`'s answer once it came. */
  held?: boolean;
}

/**
 * The chunk of each location from its span's id, or null where no span holds the line. Null for
 * the whole answer when a chunk found is gone or no longer covers its line: the spans are stale.
 */
function placeChunks(locations: readonly LineLocation[], ids: readonly (string | null)[], byId: ReadonlyMap<string, Chunk>): (Chunk | null)[] | null {
  const out: (Chunk | null)[] = [];
  for (let i = 0; i < locations.length; i++) {
    const id = ids[i];
    if (id === null || id === undefined) {
      out.push(null);
      continue;
    }
    const chunk = byId.get(id);
    const line = locations[i]!.line;
    if (!chunk || chunk.filePath !== locations[i]!.filePath || chunk.startLine > line || chunk.endLine < line) return null;
    out.push(chunk);
  }
  return out;
}

/** One batch of chunks as rows `t`, from the JSON document of {@link batchJson} in parameter `$n`. */
const recordset = (n: number) => `jsonb_to_recordset($${n}::jsonb) AS t(r text, s text, c text, f text, k text, n text, q text, sl int, el int, h text, p text,
  ci jsonb, l text, si text, so text, v text, su text, im real, at jsonb, ve int, lc text)`;
/** The stored columns a save compares (a row with the same values is not written), and their fields in {@link recordset}. */
const COMPARED: [column: string, field: string][] = [
  ['file_path', 'f'], ['kind', 'k'], ['name', 'n'], ['fqn', 'q'], ['start_line', 'sl'], ['end_line', 'el'], ['content_hash', 'h'],
  ['parent_id', 'p'], ['child_ids', 'ci'], ['language', 'l'], ['symbol_id', 'si'], ['symbol_owner', 'so'], ['visibility', 'v'],
  ['summary', 'su'], ['importance', 'im'], ['attributes', 'at'], ['last_indexed_commit', 'lc'],
];
/** `stored` differs from `incoming` in a compared column (SQL, for the aliases given). */
const differs = (stored: string, incoming: (column: string, field: string) => string) =>
  `(${COMPARED.map(([column]) => `${stored}.${column}`).join(', ')}) IS DISTINCT FROM (${COMPARED.map(([column, field]) => incoming(column, field)).join(', ')})`;

// Upsert from one JSON document per batch: a single parameter whatever the row count (far from
// the 65,535-parameter limit of one-parameter-per-field inserts), and JSON.stringify plus the
// server's jsonb_to_recordset beat serialising 21 Postgres array literals.
const UPSERT_SQL = `
INSERT INTO chunks (${CHUNK_COLUMNS}, updated_at)
SELECT r, s, c, f, k, n, q, sl, el, h, p, ci, l, si, so, v, su, im, at, ve, lc, false, clock_timestamp()
FROM ${recordset(1)}
ON CONFLICT (repo_id, snapshot_id, chunk_id) DO UPDATE SET
  ${COMPARED.map(([column]) => `${column} = EXCLUDED.${column}`).join(', ')},
  version = chunks.version + 1, deleted = false, updated_at = clock_timestamp()
WHERE chunks.deleted OR ${differs('chunks', (column) => `EXCLUDED.${column}`)}`;

function batchJson(chunks: readonly Chunk[]): [string] {
  return [
    JSON.stringify(
      chunks.map((c) => ({
        r: c.repoId, s: c.snapshotId, c: c.id, f: c.filePath, k: c.kind, n: c.name, q: c.fqn, sl: c.startLine, el: c.endLine,
        h: c.contentHash, p: c.parentId, ci: c.childIds, l: c.language, si: c.symbolId, so: c.symbolOwner, v: c.visibility,
        su: c.summary, im: c.importance, at: c.attributes, ve: c.version, lc: c.lastIndexedCommit,
      })),
    ),
  ];
}

/** One chunk as {@link PostgresChunkStore.listSymbolChunks} reads it (a JSON array). */
type LinkRow = [
  id: string,
  filePath: string,
  kind: Chunk['kind'],
  name: string,
  fqn: string,
  startLine: number,
  endLine: number,
  contentHash: string,
  language: string | null,
  symbolId: string,
  symbolOwner: string | null,
  visibility: Chunk['visibility'],
  symbolKind: string | null,
  bases: string[] | null,
];

/** The columns {@link PostgresChunkStore.listSymbolChunks} reads (for symbol linking; not chunk_files links). */
const LINKING_COLUMNS = 'c.chunk_id, c.file_path, c.kind, c.name, c.fqn, c.start_line, c.end_line, c.content_hash, c.language, c.symbol_id, c.symbol_owner, c.visibility, c.attributes';

/**
 * The chunk rows snapshots read: `chunk_files l` (a snapshot's files and the storage key holding
 * each one's rows) joined to those rows, `chunks c` (see migration 0012). Filter on `l.repo_id`
 * and `l.snapshot_id`; `NOT c.deleted` hides soft-deleted rows.
 */
const READ_THROUGH = 'chunk_files l JOIN chunks c ON c.repo_id = l.repo_id AND c.snapshot_id = l.stored_in AND c.file_path = l.file_path';

/** A snapshot's link of one file: the storage key of its rows and how many live rows it reads. */
interface ChunkLink {
  file_path: string;
  stored_in: string;
  chunk_count: number;
}

/**
 * The links as spans of generations (migration 0016; `chunk_files` is the view joining them): a
 * snapshot built on the newest one shares its links until it writes a file.
 */
export const CHUNK_LINK_SPANS = new SnapshotSpans<ChunkLink>({
  gens: 'chunk_snapshot_gens',
  spans: 'chunk_file_spans',
  columns: [
    { name: 'stored_in', type: 'text' },
    { name: 'chunk_count', type: 'int' },
  ],
});

/** An UPDATE of the links `m` snapshot ($1, $2) reads, setting `set`; add conditions on `m` after it. */
const updateLinks = (set: string) => `UPDATE chunk_file_spans m SET ${set} FROM chunk_snapshot_gens g
  WHERE g.repo_id = $1 AND g.snapshot_id = $2 AND m.repo_id = $1 AND m.from_gen <= g.gen AND m.to_gen > g.gen`;
/** {@link CHUNK_COLUMNS} of the row `c`, with `snapshot` (an SQL expression) as its snapshot id. */
const chunkColumnsAs = (snapshot: string) =>
  CHUNK_COLUMNS.split(', ')
    .map((column) => (column === 'snapshot_id' ? snapshot : `c.${column}`))
    .join(', ');
/** A row read through a link: the reading snapshot's id, not the storage key. */
const VISIBLE_COLUMNS = chunkColumnsAs('l.snapshot_id');

/** The live rows of chunk id `q.id` (of repository `repo`, when given), as `c`, fenced so the planner starts from them. */
const rowsOfId = (repo?: string) => `(SELECT * FROM chunks c0 WHERE c0.chunk_id = q.id${repo ? ` AND c0.repo_id = ${repo}` : ''} AND NOT c0.deleted OFFSET 0) c`;

const LINE_LOOKUP_ORDER = `${kindRankSql('c.kind')}, (c.end_line - c.start_line), c.start_line DESC, c.chunk_id`;

/**
 * A ChunkStore on PostgreSQL (a server or PGlite). Batch upserts are one statement per batch (a
 * JSON document of rows) inside one transaction; line lookups run in SQL on the span index; soft-deleted
 * rows are invisible to every read.
 *
 * ```ts
 * const store = new PostgresChunkStore(new PostgresStore({ connectionString: process.env.DATABASE_URL }))
 * await store.saveChunks(chunks)
 * ```
 */
export class PostgresChunkStore implements ChunkStore {
  readonly db: PostgresStore;
  #batchSize: number;
  #ensure: boolean;
  readonly #spans: SnapshotCache<ChunkSpanTable>;
  readonly #rowCacheSize: number;
  readonly #stamps: StampWatch;
  readonly #notifications: boolean;

  constructor(db: PostgresStore, options: PostgresChunkStoreOptions = {}) {
    this.db = db;
    this.#batchSize = options.batchSize ?? 5000;
    this.#ensure = options.ensureSchema ?? true;
    this.#spans = new SnapshotCache(options.spanCacheSize ?? 4);
    this.#rowCacheSize = options.rowCacheSize ?? 10_000;
    this.#notifications = options.changeNotifications ?? true;
    this.#stamps = stampWatchOf(db);
    this.#stamps.register(this.#spans);
  }

  /**
   * Whether other processes' writes are being learnt from notifications at this moment (see
   * `changeNotifications`): false before the subscription is confirmed, while its connection is
   * down, and when they are off or cannot be had.
   */
  get listening(): boolean {
    return this.#epoch() !== 0;
  }

  /** The epoch of the stamp announcements now (0: not being received, or not used). */
  #epoch(): number {
    return this.#notifications ? this.#stamps.epoch : 0;
  }

  /**
   * Gives each snapshot a new write stamp, in the writing transaction (see migration 0018): a
   * process holding the snapshot's chunks in memory sees it change when the write commits.
   */
  async #stamp(tx: PostgresQueryable, snapshots: readonly SnapshotRef[], options?: CallOptions): Promise<void> {
    const keys = new Map(snapshots.map((s) => [`${s.repoId}\0${s.snapshotId}`, s]));
    if (keys.size === 0) return;
    await tx.execute(
      `INSERT INTO chunk_snapshot_stamps (repo_id, snapshot_id, stamp)
       SELECT r, s, nextval('chunk_write_stamps') FROM unnest($1::text[], $2::text[]) AS t(r, s)
       ON CONFLICT (repo_id, snapshot_id) DO UPDATE SET stamp = EXCLUDED.stamp`,
      [[...keys.values()].map((s) => s.repoId), [...keys.values()].map((s) => s.snapshotId)],
      options,
    );
  }

  /**
   * Whether the snapshot's write stamp is still the one `spans` were read with: known without a
   * query while the stamp announcements that have kept them since are still being received (an
   * announcement of a change drops them), else one primary-key lookup.
   */
  async #holds(spans: ChunkSpanTable, snapshot: SnapshotRef, options?: CallOptions): Promise<boolean> {
    if (spans.stamp === null) return false;
    const epoch = this.#epoch();
    if (epoch !== 0 && spans.verifiedEpoch === epoch) return true;
    const now = await this.db.fetchValue<string>('SELECT stamp::text FROM chunk_snapshot_stamps WHERE repo_id = $1 AND snapshot_id = $2', [snapshot.repoId, snapshot.snapshotId], options);
    if (now !== spans.stamp) return false;
    // (a change committed after this read is announced, and drops them, if still listening)
    if (this.#epoch() === epoch) spans.verifiedEpoch = epoch;
    return true;
  }

  /**
   * Reads a snapshot's spans. Trusted without a stamp check only if the stamp announcements were
   * being received when the read began (a change committed after it is then announced); else
   * until a stamp check passes while they are. `listenFirst` waits up to a second for the
   * subscription to be confirmed (its first use: a connection and two statements on a server).
   */
  async #loadSpans(snapshot: SnapshotRef, listenFirst = false): Promise<ChunkSpanTable> {
    if (this.#notifications) {
      const listening = this.#stamps.start(); // (subscribes on first use)
      if (listenFirst) await bounded(listening, 1_000, () => false);
    }
    const epoch = this.#epoch();
    const announced = this.#stamps.recordRead(snapshot);
    let row: { spans: string | null; stamp: string | null } | undefined;
    let during: readonly (string | null)[] = [];
    try {
      // One JSON document rather than a row per chunk: several times faster to decode on PGlite.
      // The stamp is read by the same statement, so it is the one of the spans read.
      row = await this.db.fetchRow(
        `SELECT (SELECT stamp::text FROM chunk_snapshot_stamps WHERE repo_id = $1 AND snapshot_id = $2) AS stamp,
                (SELECT json_agg(json_build_array(c.file_path, c.chunk_id, c.start_line, c.end_line) ORDER BY c.file_path, ${LINE_LOOKUP_ORDER})::text
                 FROM ${READ_THROUGH} WHERE l.repo_id = $1 AND l.snapshot_id = $2 AND NOT c.deleted) AS spans`,
        [snapshot.repoId, snapshot.snapshotId],
      );
    } finally {
      during = announced();
    }
    const spans = new ChunkSpanTable(row?.spans ? (JSON.parse(row.spans) as [string, string, number, number][]) : [], row?.stamp ?? null, this.#rowCacheSize);
    // Trusted if nothing else was announced while it was read, and still listening.
    if (during.every((stamp) => stamp !== null && stamp === spans.stamp) && this.#epoch() === epoch) spans.verifiedEpoch = epoch;
    return spans;
  }

  async #ready(options?: CallOptions): Promise<void> {
    throwIfAborted(options?.signal, 'chunk-store');
    if (this.#ensure) await ensureSchema(this.db, options);
  }

  async saveChunk(chunk: ChunkInput, options?: CallOptions): Promise<Chunk> {
    validateChunk(chunk);
    await this.saveChunks([chunk], options);
    const saved = await this.getChunk(chunk.id, { ...options, snapshot: chunk });
    return saved!;
  }

  async saveChunks(chunks: readonly ChunkInput[], options?: CallOptions): Promise<number> {
    validateChunks(chunks);
    if (chunks.length === 0) return 0;
    await this.#ready(options);
    return this.#announcing(chunks, this.db.transaction((tx) => this.#write(tx, chunks.map(normalizeChunk), options), options));
  }

  /** Tells this process's stores of the same database of a write once it has committed. */
  async #announcing<T>(snapshots: readonly SnapshotRef[], write: Promise<T>): Promise<T> {
    try {
      return await write;
    } finally {
      // (also after a failure: a commit whose answer was lost may have gone through)
      this.#stamps.changed(snapshots);
    }
  }

  /** Writes chunks inside a transaction the caller already holds (the indexer's snapshot write). */
  async saveChunksIn(tx: PostgresQueryable, chunks: readonly ChunkInput[], options?: CallOptions): Promise<number> {
    validateChunks(chunks);
    // The caller commits, later: the stores of this process drop their copies now, so a lookup
    // after the commit reads the snapshot again (on a server the announcement drops them too, a
    // moment after the commit; a lookup before the commit still finds the snapshot as it was).
    this.#stamps.changed(chunks);
    return this.#write(tx, chunks.map(normalizeChunk), options);
  }

  async #write(tx: PostgresQueryable, chunks: readonly Chunk[], options?: CallOptions): Promise<number> {
    // Each row goes to the storage key its snapshot owns for its file (claimed first).
    const bySnapshot = new Map<string, Chunk[]>();
    for (const c of chunks) {
      const key = `${c.repoId}\0${c.snapshotId}`;
      const list = bySnapshot.get(key);
      if (list) list.push(c);
      else bySnapshot.set(key, [c]);
    }
    const stored: Chunk[] = [];
    const touched: { ref: SnapshotRef; files: string[] }[] = [];
    for (const group of bySnapshot.values()) {
      const keys = await this.#claim(tx, group[0]!, [...new Set(group.map((c) => c.filePath))], group, options);
      for (const c of group) {
        const key = keys.get(c.filePath);
        if (key !== undefined) stored.push({ ...c, snapshotId: key });
      }
      touched.push({ ref: group[0]!, files: [...keys.keys()] });
    }
    let written = 0;
    for (let i = 0; i < stored.length; i += this.#batchSize) {
      written += await tx.execute(UPSERT_SQL, batchJson(stored.slice(i, i + this.#batchSize)), options);
    }
    for (const { ref, files } of touched) await this.#recount(tx, ref, files, options);
    await this.#stamp(tx, chunks, options);
    return written;
  }

  /**
   * Sets the chunk count of `snapshot`'s links of `files` from their rows, after a write. Claimed
   * first, those rows are read through no other link, so no other count changes.
   */
  async #recount(tx: PostgresQueryable, snapshot: SnapshotRef, files: readonly string[], options?: CallOptions): Promise<void> {
    if (files.length === 0) return;
    // (in place: after the claim no other snapshot reads these links)
    await tx.execute(
      `${updateLinks('chunk_count = (SELECT count(*)::int FROM chunks c WHERE c.repo_id = m.repo_id AND c.snapshot_id = m.stored_in AND c.file_path = m.file_path AND NOT c.deleted)')}
         AND m.file_path = ANY($3::text[])`,
      [snapshot.repoId, snapshot.snapshotId, [...files]],
      options,
    );
  }

  /**
   * Makes `snapshot` the only reader of the rows of each of `files` before it writes them (the
   * `chunks` given, or a soft delete), and returns the storage key of each: a file it reads alone
   * is written in place; a file whose rows others read too (or that it does not have yet) gets its
   * own key, with the rows it read copied there (copy on write). The key is the snapshot's id, or
   * that id with a fresh suffix when rows stored under it are someone else's. A file whose shared
   * rows already hold each of its `chunks` unchanged gets no key: there is nothing to write (an
   * incremental run saves every module chunk again, and most are the same).
   */
  async #claim(tx: PostgresQueryable, snapshot: SnapshotRef, files: readonly string[], chunks: readonly Chunk[] | null, options?: CallOptions): Promise<Map<string, string>> {
    const { repoId, snapshotId } = snapshot;
    const state = await tx.fetch<{ path: string; stored_in: string | null; shared: boolean; occupied: boolean }>(
      `SELECT f.path, l.stored_in,
              (l.stored_in IS NOT NULL AND EXISTS (
                 SELECT 1 FROM chunk_files o WHERE o.repo_id = $1 AND o.stored_in = l.stored_in AND o.file_path = f.path AND o.snapshot_id <> $2)) AS shared,
              EXISTS (SELECT 1 FROM chunks c WHERE c.repo_id = $1 AND c.snapshot_id = $2 AND c.file_path = f.path) AS occupied
       FROM unnest($3::text[]) AS f(path)
       LEFT JOIN chunk_files l ON l.repo_id = $1 AND l.snapshot_id = $2 AND l.file_path = f.path`,
      [repoId, snapshotId, files],
      options,
    );
    let unchanged = new Set<string>();
    const borrowed = state.filter((f) => f.stored_in !== null && f.shared);
    if (chunks && borrowed.length > 0) {
      const storedIn = new Map(borrowed.map((f) => [f.path, f.stored_in!]));
      const rows = chunks.filter((c) => storedIn.has(c.filePath)).map((c) => ({ ...c, snapshotId: storedIn.get(c.filePath)! }));
      const changed = await tx.fetch<{ f: string }>(
        `SELECT DISTINCT t.f FROM ${recordset(1)}
         LEFT JOIN chunks c ON c.repo_id = t.r AND c.snapshot_id = t.s AND c.chunk_id = t.c
         WHERE c.chunk_id IS NULL OR c.deleted OR ${differs('c', (_, field) => `t.${field}`)}`,
        batchJson(rows),
        options,
      );
      const touched = new Set(changed.map((r) => r.f));
      unchanged = new Set(borrowed.filter((f) => !touched.has(f.path)).map((f) => f.path));
    }
    const keys = new Map<string, string>();
    const link: { path: string; key: string }[] = [];
    const copy: { path: string; from: string; to: string }[] = [];
    let fresh: string | undefined;
    for (const { path, stored_in: storedIn, shared, occupied } of state) {
      if (unchanged.has(path)) continue;
      if (storedIn !== null && !shared) {
        keys.set(path, storedIn);
        continue;
      }
      const key = occupied ? (fresh ??= `${snapshotId}~${randomUUID().slice(0, 8)}`) : snapshotId;
      keys.set(path, key);
      link.push({ path, key });
      if (storedIn !== null) copy.push({ path, from: storedIn, to: key });
    }
    if (copy.length > 0) {
      await tx.execute(
        `INSERT INTO chunks (${CHUNK_COLUMNS}, updated_at)
         SELECT ${chunkColumnsAs('m.dest')}, c.updated_at
         FROM unnest($2::text[], $3::text[], $4::text[]) AS m(path, src, dest)
         JOIN chunks c ON c.repo_id = $1 AND c.snapshot_id = m.src AND c.file_path = m.path`,
        [repoId, copy.map((m) => m.path), copy.map((m) => m.from), copy.map((m) => m.to)],
        options,
      );
    }
    await CHUNK_LINK_SPANS.put(tx, repoId, snapshotId, link.map((m) => ({ file_path: m.path, stored_in: m.key, chunk_count: 0 })), options);
    return keys;
  }

  async getChunk(id: string, options?: CallOptions & { snapshot?: SnapshotRef }): Promise<Chunk | null> {
    return (await this.getChunks([id], options))[0] ?? null;
  }

  async getChunks(ids: readonly string[], options?: CallOptions & { snapshot?: SnapshotRef }): Promise<Chunk[]> {
    if (ids.length === 0) return [];
    await this.#ready(options);
    const snapshot = options?.snapshot;
    if (!snapshot) return this.#readChunks(ids, undefined, options);
    // Rows a line lookup (a lexical search) just read: from memory while the snapshot is unchanged.
    const held = this.#spans.loaded(snapshot);
    if (held?.holdsRows(ids)) {
      if (!(await this.#holds(held, snapshot, options))) this.#spans.forget(snapshot.repoId, snapshot.snapshotId);
      // (rows may have been evicted meanwhile by another lookup's keep)
      else if (held.holdsRows(ids)) return ids.map((id) => cloneChunk(held.row(id)!));
    }
    const chunks = await this.#readChunks(ids, snapshot, options);
    // Kept by the spans loaded before the read, whose stamp is at most as new as the rows: a write
    // that committed meanwhile changed the stamp, and the next lookup drops spans and rows.
    held?.keep(chunks.map(cloneChunk));
    return chunks;
  }

  async #readChunks(ids: readonly string[], snapshot: SnapshotRef | undefined, options?: CallOptions): Promise<Chunk[]> {
    // One index probe per id, whatever the planner guesses: the snapshot statistics leave
    // chunk_id without any, and `chunk_id = ANY(...)` of 60+ ids was planned as a scan of every
    // chunk (100 ms at 110k chunks on PGlite, against 2 ms probing). The rows of the id come
    // first (fenced), then their links: joined the other way round, the planner walked every
    // file of the snapshot per id (600 ms for 20 ids at 100k chunks).
    const rows = snapshot
      ? await this.db.fetch<ChunkRow>(
          `SELECT v.* FROM unnest($3::text[]) AS q(id) CROSS JOIN LATERAL (
             SELECT ${VISIBLE_COLUMNS} FROM ${rowsOfId('$1')}
             JOIN chunk_files l ON l.repo_id = c.repo_id AND l.snapshot_id = $2 AND l.file_path = c.file_path AND l.stored_in = c.snapshot_id
             LIMIT 1
           ) v`,
          [snapshot.repoId, snapshot.snapshotId, ids],
          options,
        )
      : await this.db.fetch<ChunkRow>(
          `SELECT v.* FROM unnest($1::text[]) AS q(id) CROSS JOIN LATERAL (
             SELECT ${VISIBLE_COLUMNS} FROM ${rowsOfId()}
             JOIN chunk_files l ON l.repo_id = c.repo_id AND l.stored_in = c.snapshot_id AND l.file_path = c.file_path
             ORDER BY c.updated_at DESC, l.snapshot_id LIMIT 1
           ) v`,
          [ids],
          options,
        );
    const byId = new Map(rows.map((r) => [r.chunk_id, rowToChunk(r)]));
    return ids.flatMap((id) => {
      const c = byId.get(id);
      return c ? [c] : [];
    });
  }

  async listRepoChunks(repoId: string, options?: CallOptions & { snapshotId?: string }): Promise<Chunk[]> {
    await this.#ready(options);
    const rows = await this.db.fetch<ChunkRow>(
      `SELECT ${VISIBLE_COLUMNS} FROM ${READ_THROUGH} WHERE l.repo_id = $1 AND ($2::text IS NULL OR l.snapshot_id = $2) AND NOT c.deleted
       ORDER BY l.snapshot_id, c.file_path, c.start_line, c.end_line DESC, c.chunk_id`,
      [repoId, options?.snapshotId ?? null],
      options,
    );
    return rows.map(rowToChunk);
  }

  /**
   * The chunks of a snapshot that define a symbol, outside `exceptPaths`, lightened for linking:
   * identity, names, lines, language, symbol fields and `attributes.symbolKind` and `.bases` are read; `parentId`,
   * `summary` and `lastIndexedCommit` are null, `childIds` empty, `importance` 0, `version` 1. What
   * an incremental parse links the changed files against, at a fraction of {@link listRepoChunks}.
   * With `need`, only those it selects (see `selectSymbolContext`): what the changed files' links
   * can reach.
   */
  async listSymbolChunks(snapshot: SnapshotRef, options?: CallOptions & { exceptPaths?: readonly string[]; need?: SymbolContextNeed }): Promise<Chunk[]> {
    await this.#ready(options);
    // Only the columns linking reads, as one JSON document: the driver decodes one value instead
    // of a row per chunk (3-4x faster on PGlite at 20k chunks). The link spans of the snapshot's
    // generation are read directly, with the generation as a value: through the view the planner
    // could not tell how many links a snapshot has, guessed a ninth, and probed the chunks once
    // per link (173 ms at 12k links).
    const gen = await CHUNK_LINK_SPANS.genOf(this.db, snapshot.repoId, snapshot.snapshotId, options);
    if (gen === null) return [];
    const live = 'c.repo_id = $1 AND c.symbol_id IS NOT NULL AND NOT c.deleted';
    // The links read, once (fenced): the snapshot's files, without the excluded ones.
    const links = `lk AS MATERIALIZED (SELECT l.file_path, l.stored_in FROM chunk_file_spans l
                   WHERE l.repo_id = $1 AND l.from_gen <= $2 AND l.to_gen > $2 AND NOT (l.file_path = ANY($3::text[])))`;
    const through = 'JOIN lk l ON c.snapshot_id = l.stored_in AND c.file_path = l.file_path';
    const params: unknown[] = [snapshot.repoId, gen, [...(options?.exceptPaths ?? [])]];
    let from = `(WITH ${links} SELECT ${LINKING_COLUMNS} FROM chunks c ${through} WHERE ${live}) AS c`;
    if (options?.need) {
      // The selected chunks (by name through the symbol-name index, by file through the links),
      // then their owners by symbol id (migration 0017's indexes: no scan of every chunk).
      from = `(WITH ${links},
               picked AS (
                 SELECT ${LINKING_COLUMNS} FROM chunks c ${through} WHERE ${live} AND c.name = ANY($4::text[])
                 UNION
                 SELECT ${LINKING_COLUMNS} FROM chunks c ${through} WHERE ${live} AND l.file_path = ANY($5::text[]))
               SELECT * FROM picked
               UNION
               SELECT ${LINKING_COLUMNS} FROM chunks c ${through}
               WHERE ${live} AND c.symbol_id = ANY(ARRAY(SELECT symbol_owner FROM picked WHERE symbol_owner IS NOT NULL))) AS c`;
      params.push([...options.need.names], [...options.need.filePaths]);
    }
    const json = await this.db.fetchValue<string | null>(
      `SELECT json_agg(json_build_array(chunk_id, file_path, kind, name, fqn, start_line, end_line, content_hash, language, symbol_id, symbol_owner,
                                        visibility, attributes->>'symbolKind', attributes->'bases') ORDER BY file_path, start_line, end_line DESC, chunk_id)::text
       FROM ${from}`,
      params,
      options,
    );
    const rows = json ? (JSON.parse(json) as LinkRow[]) : [];
    return rows.map(([id, filePath, kind, name, fqn, startLine, endLine, contentHash, language, symbolId, symbolOwner, visibility, symbolKind, bases]) => ({
      id,
      repoId: snapshot.repoId,
      snapshotId: snapshot.snapshotId,
      filePath,
      kind,
      name,
      fqn,
      startLine,
      endLine,
      contentHash,
      parentId: null,
      childIds: [],
      language,
      symbolId,
      symbolOwner,
      visibility,
      summary: null,
      importance: 0,
      attributes: { ...(symbolKind === null ? {} : { symbolKind }), ...(bases ? { bases } : {}) },
      version: 1,
      lastIndexedCommit: null,
      deleted: false,
    }));
  }

  /** How many chunks a snapshot has (without reading them). */
  async countChunks(snapshot: SnapshotRef, options?: CallOptions): Promise<number> {
    await this.#ready(options);
    // (each link carries the count of the live rows it reads)
    return Number(await this.db.fetchValue<string | number>('SELECT coalesce(sum(chunk_count), 0) FROM chunk_files WHERE repo_id = $1 AND snapshot_id = $2', [snapshot.repoId, snapshot.snapshotId], options));
  }

  async listFileChunks(snapshot: SnapshotRef, filePath: string, options?: CallOptions): Promise<Chunk[]> {
    await this.#ready(options);
    const rows = await this.db.fetch<ChunkRow>(
      `SELECT ${VISIBLE_COLUMNS} FROM ${READ_THROUGH} WHERE l.repo_id = $1 AND l.snapshot_id = $2 AND l.file_path = $3 AND NOT c.deleted
       ORDER BY c.start_line, c.end_line DESC, c.chunk_id`,
      [snapshot.repoId, snapshot.snapshotId, filePath],
      options,
    );
    return rows.map(rowToChunk);
  }

  async findByContentHash(repoId: string, contentHash: string, options?: CallOptions & { snapshotId?: string }): Promise<Chunk[]> {
    await this.#ready(options);
    const rows = await this.db.fetch<ChunkRow>(
      `SELECT ${VISIBLE_COLUMNS} FROM ${READ_THROUGH} WHERE l.repo_id = $1 AND c.content_hash = $2 AND ($3::text IS NULL OR l.snapshot_id = $3) AND NOT c.deleted
       ORDER BY l.snapshot_id, c.file_path, c.start_line, c.end_line DESC, c.chunk_id`,
      [repoId, contentHash, options?.snapshotId ?? null],
      options,
    );
    return rows.map(rowToChunk);
  }

  async findChunkAtLine(snapshot: SnapshotRef, filePath: string, line: number, options?: CallOptions): Promise<Chunk | null> {
    await this.#ready(options);
    const row = await this.db.fetchRow<ChunkRow>(
      `SELECT ${VISIBLE_COLUMNS} FROM ${READ_THROUGH}
       WHERE l.repo_id = $1 AND l.snapshot_id = $2 AND l.file_path = $3 AND c.start_line <= $4 AND c.end_line >= $4 AND NOT c.deleted
       ORDER BY ${LINE_LOOKUP_ORDER} LIMIT 1`,
      [snapshot.repoId, snapshot.snapshotId, filePath, line],
      options,
    );
    return row ? rowToChunk(row) : null;
  }

  async findChunksAtLines(snapshot: SnapshotRef, locations: readonly LineLocation[], options?: LineLookupOptions): Promise<(Chunk | null)[]> {
    return this.#findChunksAtLines(snapshot, locations, options);
  }

  /**
   * The snapshot's stamp is checked when the lookup begins, while the caller waits for its lines.
   * Once that check has passed, lines whose chunks the spans and their kept rows hold are answered
   * without another await (a backend's answer takes longer than the check: the usual case).
   */
  beginLineLookup(snapshot: SnapshotRef, options?: CallOptions): LineLookup {
    const spans = this.#spans.loaded(snapshot);
    const begun: StampCheck | undefined = spans && { spans, current: this.#holds(spans, snapshot, options) };
    // (awaited, or dropped with the lookup)
    begun?.current.then(
      (held) => void (begun.held = held),
      () => undefined,
    );
    return {
      find: (locations, o) => {
        const asked = o ?? options;
        // (loaded spans mean the schema was ensured; the same spans still cached: no change
        // announced since; `peek` keeps them most recently used, as the full path does)
        const kept =
          begun?.held === true && !asked?.signal?.aborted && this.#spans.peek(snapshot, () => this.#loadSpans(snapshot)) === begun.spans
            ? this.#findInKeptRows(begun.spans, locations, asked)
            : null;
        return kept ? Promise.resolve(kept) : this.#findChunksAtLines(snapshot, locations, asked, begun);
      },
    };
  }

  async #findChunksAtLines(snapshot: SnapshotRef, locations: readonly LineLocation[], options?: LineLookupOptions, begun?: StampCheck): Promise<(Chunk | null)[]> {
    if (locations.length === 0) return [];
    await this.#ready(options);
    const spans = this.#spans.capacity > 0 ? this.#spans.peek(snapshot, () => this.#loadSpans(snapshot)) : undefined;
    if (spans) {
      const found = await this.#findInSpans(spans, snapshot, locations, options, begun?.spans === spans ? begun.current : undefined);
      if (found) return found;
      this.#spans.forget(snapshot.repoId, snapshot.snapshotId); // written by another process: reload
    }
    return this.#findChunksAtLinesInSql(snapshot, locations, options);
  }

  /**
   * Loads a snapshot's line spans now and waits for them (they otherwise load in the background on
   * its first {@link findChunksAtLines}). Returns how many chunks they hold; 0 when the cache is off.
   */
  async loadLineSpans(snapshot: SnapshotRef, options?: CallOptions): Promise<number> {
    await this.#ready(options);
    if (this.#spans.capacity <= 0) return 0;
    return (await this.#spans.get(snapshot, () => this.#loadSpans(snapshot, true))).size;
  }

  /**
   * Lines resolved in memory, then only the chunks found read by id. Null when a chunk found is
   * gone or no longer covers its line: the spans are stale, and SQL answers instead.
   */
  async #findInSpans(spans: ChunkSpanTable, snapshot: SnapshotRef, locations: readonly LineLocation[], options?: LineLookupOptions, current?: Promise<boolean>): Promise<(Chunk | null)[] | null> {
    // Stamped spans answer while the snapshot's stamp is theirs (checked now, or when the lookup
    // began), with the rows kept; unstamped ones (a snapshot written before stamps) are checked
    // against the rows read below.
    if (spans.stamp !== null && !(await (current ?? this.#holds(spans, snapshot, options)))) return null;
    const ids = locations.map((l) => spans.find(l.filePath, l.line));
    const byId = new Map<string, Chunk>();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      if (id === null) continue;
      const kept = spans.row(id);
      if (kept) byId.set(id, options?.borrow ? kept : cloneChunk(kept));
      else missing.push(id);
    }
    if (missing.length > 0) {
      const read = await this.#readChunks(missing, snapshot, options);
      // (a borrower changes nothing: the rows it is given can be the ones kept)
      spans.keep(options?.borrow ? read : read.map(cloneChunk));
      for (const c of read) byId.set(c.id, c);
    }
    return placeChunks(locations, ids, byId);
  }

  /**
   * `#findInSpans` for spans whose stamp check has passed, when the rows kept hold every chunk
   * found: no await. Null otherwise (a row to read, or stale spans), for the full path to answer.
   */
  #findInKeptRows(spans: ChunkSpanTable, locations: readonly LineLocation[], options?: LineLookupOptions): (Chunk | null)[] | null {
    if (locations.length === 0) return [];
    const ids = locations.map((l) => spans.find(l.filePath, l.line));
    const byId = new Map<string, Chunk>();
    for (const id of ids) {
      if (id === null || byId.has(id)) continue;
      const kept = spans.row(id);
      if (!kept) return null;
      byId.set(id, options?.borrow ? kept : cloneChunk(kept));
    }
    return placeChunks(locations, ids, byId);
  }

  async #findChunksAtLinesInSql(snapshot: SnapshotRef, locations: readonly LineLocation[], options?: CallOptions): Promise<(Chunk | null)[]> {
    const rows = await this.db.fetch<ChunkRow & { ord: string }>(
      `SELECT q.ord, v.* FROM unnest($3::text[], $4::int[]) WITH ORDINALITY AS q(file_path, line, ord)
       LEFT JOIN LATERAL (
         SELECT ${VISIBLE_COLUMNS} FROM ${READ_THROUGH}
         WHERE l.repo_id = $1 AND l.snapshot_id = $2 AND l.file_path = q.file_path
           AND c.start_line <= q.line AND c.end_line >= q.line AND NOT c.deleted
         ORDER BY ${LINE_LOOKUP_ORDER} LIMIT 1
       ) v ON true
       ORDER BY q.ord`,
      [snapshot.repoId, snapshot.snapshotId, locations.map((l) => l.filePath), locations.map((l) => l.line)],
      options,
    );
    return rows.map((r) => (r.chunk_id ? rowToChunk(r) : null));
  }

  async getFileChunk(snapshot: SnapshotRef, filePath: string, options?: CallOptions): Promise<Chunk | null> {
    await this.#ready(options);
    const row = await this.db.fetchRow<ChunkRow>(
      `SELECT ${VISIBLE_COLUMNS} FROM ${READ_THROUGH} WHERE l.repo_id = $1 AND l.snapshot_id = $2 AND l.file_path = $3 AND c.kind = 'file' AND NOT c.deleted
       ORDER BY c.chunk_id LIMIT 1`,
      [snapshot.repoId, snapshot.snapshotId, filePath],
      options,
    );
    return row ? rowToChunk(row) : null;
  }

  async deleteSnapshot(snapshot: SnapshotRef, options?: CallOptions & { filePaths?: readonly string[] }): Promise<number> {
    await this.#ready(options);
    const ref = { repoId: snapshot.repoId, snapshotId: snapshot.snapshotId };
    return this.#announcing([snapshot], this.db.transaction(async (tx) => {
      // Rows other snapshots read too are copied first: the delete hides them from this one only.
      const files = (
        await tx.fetch<{ file_path: string }>(
          'SELECT file_path FROM chunk_files WHERE repo_id = $1 AND snapshot_id = $2 AND ($3::text[] IS NULL OR file_path = ANY($3::text[]))',
          [ref.repoId, ref.snapshotId, options?.filePaths ? [...options.filePaths] : null],
          options,
        )
      ).map((r) => r.file_path);
      if (files.length === 0) return 0;
      await this.#claim(tx, ref, files, null, options);
      const deleted = await tx.execute(
        `UPDATE chunks c SET deleted = true, updated_at = clock_timestamp()
         FROM chunk_files l
         WHERE l.repo_id = $1 AND l.snapshot_id = $2 AND l.file_path = ANY($3::text[])
           AND c.repo_id = l.repo_id AND c.snapshot_id = l.stored_in AND c.file_path = l.file_path AND NOT c.deleted`,
        [ref.repoId, ref.snapshotId, files],
        options,
      );
      await tx.execute(`${updateLinks('chunk_count = 0')} AND m.file_path = ANY($3::text[])`, [ref.repoId, ref.snapshotId, files], options);
      await this.#stamp(tx, [ref], options);
      return deleted;
    }, options));
  }

  /**
   * Carries every file of `from` not in `exceptPaths` over to `to` (incremental indexing:
   * unchanged files keep their chunks, with the same ids, in the new snapshot). No row is copied:
   * `to` reads the rows `from` reads, until either writes to that file. Files `to` already has
   * are left as they are. Returns how many chunks `to` gained.
   */
  async copySnapshot(from: SnapshotRef, to: SnapshotRef, exceptPaths: readonly string[], options?: CallOptions): Promise<number> {
    await this.#ready(options);
    const { repoId } = to;
    return this.#announcing([to], this.db.transaction(async (tx) => {
      // (the chunks `to` reads before and after: built on the newest snapshot, it shares its links)
      const sum = async () => Number(await tx.fetchValue<number>('SELECT coalesce(sum(chunk_count), 0)::int FROM chunk_files WHERE repo_id = $1 AND snapshot_id = $2', [repoId, to.snapshotId], options));
      const before = await sum();
      await CHUNK_LINK_SPANS.carryOver(tx, repoId, from.snapshotId, to.snapshotId, exceptPaths, options);
      await this.#stamp(tx, [to], options);
      return (await sum()) - before;
    }, options));
  }

  /**
   * Removes a snapshot for good, deleted rows included (pruning: cheaper than the soft delete of
   * {@link deleteSnapshot}, and leaves nothing to purge later): its links, and the rows no other
   * snapshot reads. Returns how many rows were removed.
   */
  async purgeSnapshot(snapshot: SnapshotRef, options?: CallOptions): Promise<number> {
    await this.#ready(options);
    return this.#announcing([snapshot], this.db.transaction(async (tx) => {
      // The links that went with it, then the rows of those no remaining link reads (fenced, then
      // probed by key: a join the planner sized from the links' estimate scanned every chunk).
      const dropped = await CHUNK_LINK_SPANS.drop(tx, snapshot.repoId, snapshot.snapshotId, options);
      // (a stamp is never reused: a snapshot written again under this id gets a new one)
      await tx.execute('DELETE FROM chunk_snapshot_stamps WHERE repo_id = $1 AND snapshot_id = $2', [snapshot.repoId, snapshot.snapshotId], options);
      const pairs = new Map(dropped.map((l) => [`${l.stored_in}\0${l.file_path}`, l]));
      if (pairs.size === 0) return 0;
      return tx.execute(
        `DELETE FROM chunks c USING (
           SELECT d.stored_in, d.file_path FROM unnest($2::text[], $3::text[]) AS d(stored_in, file_path)
           WHERE NOT EXISTS (SELECT 1 FROM chunk_file_spans o WHERE o.repo_id = $1 AND o.stored_in = d.stored_in AND o.file_path = d.file_path)
           OFFSET 0) d
         WHERE c.repo_id = $1 AND c.snapshot_id = d.stored_in AND c.file_path = d.file_path`,
        [snapshot.repoId, [...pairs.values()].map((l) => l.stored_in), [...pairs.values()].map((l) => l.file_path)],
        options,
      );
    }, options));
  }

  /** Physically removes soft-deleted rows (of one repository, or all). Returns how many. */
  async purgeDeleted(repoId?: string, options?: CallOptions): Promise<number> {
    await this.#ready(options);
    return this.db.execute('DELETE FROM chunks WHERE deleted AND ($1::text IS NULL OR repo_id = $1)', [repoId ?? null], options);
  }

  async close(): Promise<void> {
    // The PostgresStore is shared and owned by whoever created it.
  }
}
