import {
  chunkKindRank,
  normalizeChunk,
  selectSymbolContext,
  snapshotKey,
  throwIfAborted,
  validateChunk,
  validateChunks,
  type CallOptions,
  type Chunk,
  type ChunkInput,
  type ChunkStore,
  type LineLocation,
  type LineLookupOptions,
  type SnapshotRef,
  type SymbolContextNeed,
} from '@trawl/core';
import { MIN_SPANS_TO_PAINT, ownerAt, paintLineOwners, type LineOwners } from './line-owners.js';
import { cloneChunk } from './chunk-rows.js';

/**
 * Chunks of one file, sorted by start line. A line lookup in a file of few chunks binary-searches
 * the last chunk that starts at or before the line and only inspects chunks starting before it;
 * a file of many chunks answers from its painted line owners. Either way the cost depends on the
 * file, never on the size of the repository.
 */
class FileIntervals {
  #byId = new Map<string, Chunk>();
  #sorted: Chunk[] | null = [];
  /** Files with many chunks: the best live chunk of each line, painted on first lookup (see `paintLineOwners`). */
  #ranked: Chunk[] | null = null;
  #owners: LineOwners | null | undefined;

  upsert(chunk: Chunk): void {
    this.#byId.set(chunk.id, chunk);
    this.#changed();
  }

  remove(id: string): void {
    if (this.#byId.delete(id)) this.#changed();
  }

  #changed(): void {
    this.#sorted = null;
    this.#ranked = null;
    this.#owners = undefined;
  }

  all(): Chunk[] {
    this.#sorted ??= [...this.#byId.values()].sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine || a.id.localeCompare(b.id));
    return this.#sorted;
  }

  at(line: number): Chunk | null {
    if (this.#owners === undefined) {
      const live = this.all().filter((c) => !c.deleted);
      this.#ranked = live.length > MIN_SPANS_TO_PAINT ? live.sort(compareSpecificity) : null;
      this.#owners = this.#ranked && paintLineOwners(this.#ranked.map((c) => c.startLine), this.#ranked.map((c) => c.endLine), 0, this.#ranked.length);
    }
    if (this.#owners) {
      const i = ownerAt(this.#owners, line);
      const owner = i < 0 ? null : this.#ranked![i]!;
      // deleteSnapshot marks rows deleted in place: a painted owner that is gone means repaint.
      if (!owner?.deleted) return owner;
      this.#owners = undefined;
    }
    return this.#scan(line);
  }

  #scan(line: number): Chunk | null {
    const list = this.all();
    let lo = 0;
    let hi = list.length; // first index with startLine > line
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid]!.startLine <= line) lo = mid + 1;
      else hi = mid;
    }
    let best: Chunk | null = null;
    for (let i = lo - 1; i >= 0; i--) {
      const c = list[i]!;
      if (c.deleted || c.endLine < line) continue;
      if (best === null || compareSpecificity(c, best) < 0) best = c;
    }
    return best;
  }
}

/** Negative when `a` is the better answer for a line both contain. */
export function compareSpecificity(a: Chunk, b: Chunk): number {
  return (
    chunkKindRank(a.kind) - chunkKindRank(b.kind) ||
    a.endLine - a.startLine - (b.endLine - b.startLine) ||
    b.startLine - a.startLine ||
    a.id.localeCompare(b.id)
  );
}

const COMPARED_FIELDS = [
  'filePath', 'kind', 'name', 'fqn', 'startLine', 'endLine', 'contentHash', 'parentId', 'childIds', 'language', 'symbolId',
  'symbolOwner', 'visibility', 'summary', 'importance', 'attributes', 'lastIndexedCommit',
] as const;

function sameContent(a: Chunk, b: Chunk): boolean {
  return COMPARED_FIELDS.every((f) => JSON.stringify(a[f]) === JSON.stringify(b[f]));
}

function fileKey(ref: SnapshotRef, filePath: string): string {
  return `${snapshotKey(ref)}\u0000${filePath}`;
}

/**
 * A ChunkStore in process memory, for tests, development and small embedded uses. Same contract
 * as the PostgreSQL store (both pass the same conformance suite).
 *
 * ```ts
 * const store = new InMemoryChunkStore()
 * await store.saveChunks(chunks)
 * const chunk = await store.findChunkAtLine({ repoId: 'app', snapshotId: 'abc' }, 'src/a.ts', 12)
 * ```
 */
export class InMemoryChunkStore implements ChunkStore {
  /** (repo, snapshot, id) -> chunk: constant-time duplicate checks and lookups. */
  #rows = new Map<string, Chunk>();
  /** id -> keys of its copies across snapshots, most recently written last. */
  #byId = new Map<string, string[]>();
  #files = new Map<string, FileIntervals>();

  #key(repoId: string, snapshotId: string, id: string): string {
    return `${repoId}\u0000${snapshotId}\u0000${id}`;
  }

  /** Returns false when an identical live row was already there (nothing written). */
  #write(chunk: Chunk): boolean {
    const key = this.#key(chunk.repoId, chunk.snapshotId, chunk.id);
    const previous = this.#rows.get(key);
    if (previous && !previous.deleted && sameContent(previous, chunk)) return false;
    const stored: Chunk = { ...cloneChunk(chunk), version: previous ? previous.version + 1 : chunk.version, deleted: false };
    if (previous && previous.filePath !== stored.filePath) this.#files.get(fileKey(previous, previous.filePath))?.remove(previous.id);
    this.#rows.set(key, stored);
    const copies = (this.#byId.get(chunk.id) ?? []).filter((k) => k !== key);
    copies.push(key);
    this.#byId.set(chunk.id, copies);
    const fk = fileKey(stored, stored.filePath);
    let intervals = this.#files.get(fk);
    if (!intervals) this.#files.set(fk, (intervals = new FileIntervals()));
    intervals.upsert(stored);
    return true;
  }

  async saveChunk(chunk: ChunkInput, options?: CallOptions): Promise<Chunk> {
    throwIfAborted(options?.signal, 'chunk-store');
    validateChunk(chunk);
    const normalized = normalizeChunk(chunk);
    this.#write(normalized);
    return cloneChunk(this.#rows.get(this.#key(normalized.repoId, normalized.snapshotId, normalized.id))!);
  }

  async saveChunks(chunks: readonly ChunkInput[], options?: CallOptions): Promise<number> {
    throwIfAborted(options?.signal, 'chunk-store');
    validateChunks(chunks); // all or nothing: validate everything before the first write
    let written = 0;
    for (const chunk of chunks) if (this.#write(normalizeChunk(chunk))) written++;
    return written;
  }

  #visible(key: string | undefined): Chunk | null {
    const row = key ? this.#rows.get(key) : undefined;
    return row && !row.deleted ? row : null;
  }

  #get(id: string, snapshot?: SnapshotRef): Chunk | null {
    if (snapshot) return this.#visible(this.#key(snapshot.repoId, snapshot.snapshotId, id));
    const copies = this.#byId.get(id) ?? [];
    for (let i = copies.length - 1; i >= 0; i--) {
      const row = this.#visible(copies[i]);
      if (row) return row;
    }
    return null;
  }

  async getChunk(id: string, options?: CallOptions & { snapshot?: SnapshotRef }): Promise<Chunk | null> {
    throwIfAborted(options?.signal, 'chunk-store');
    const row = this.#get(id, options?.snapshot);
    return row ? cloneChunk(row) : null;
  }

  async getChunks(ids: readonly string[], options?: CallOptions & { snapshot?: SnapshotRef }): Promise<Chunk[]> {
    throwIfAborted(options?.signal, 'chunk-store');
    const out: Chunk[] = [];
    for (const id of ids) {
      const row = this.#get(id, options?.snapshot);
      if (row) out.push(cloneChunk(row));
    }
    return out;
  }

  async listRepoChunks(repoId: string, options?: CallOptions & { snapshotId?: string }): Promise<Chunk[]> {
    throwIfAborted(options?.signal, 'chunk-store');
    const out = [...this.#rows.values()].filter(
      (c) => !c.deleted && c.repoId === repoId && (options?.snapshotId === undefined || c.snapshotId === options.snapshotId),
    );
    out.sort((a, b) => a.snapshotId.localeCompare(b.snapshotId) || a.filePath.localeCompare(b.filePath) || a.startLine - b.startLine || b.endLine - a.endLine || a.id.localeCompare(b.id));
    return out.map((c) => cloneChunk(c));
  }

  /** The chunks of a snapshot that define a symbol, outside `exceptPaths` (what an incremental parse links against). */
  async listSymbolChunks(snapshot: SnapshotRef, options?: CallOptions & { exceptPaths?: readonly string[]; need?: SymbolContextNeed }): Promise<Chunk[]> {
    const except = new Set(options?.exceptPaths ?? []);
    const chunks = (await this.listRepoChunks(snapshot.repoId, { ...options, snapshotId: snapshot.snapshotId })).filter((c) => c.symbolId && !except.has(c.filePath));
    return options?.need ? selectSymbolContext(chunks, options.need) : chunks;
  }

  /** How many chunks a snapshot has. */
  async countChunks(snapshot: SnapshotRef, options?: CallOptions): Promise<number> {
    throwIfAborted(options?.signal, 'chunk-store');
    let n = 0;
    for (const c of this.#rows.values()) if (!c.deleted && c.repoId === snapshot.repoId && c.snapshotId === snapshot.snapshotId) n++;
    return n;
  }

  async listFileChunks(snapshot: SnapshotRef, filePath: string, options?: CallOptions): Promise<Chunk[]> {
    throwIfAborted(options?.signal, 'chunk-store');
    const intervals = this.#files.get(fileKey(snapshot, filePath));
    return (intervals?.all() ?? []).filter((c) => !c.deleted).map((c) => cloneChunk(c));
  }

  async findByContentHash(repoId: string, contentHash: string, options?: CallOptions & { snapshotId?: string }): Promise<Chunk[]> {
    const all = await this.listRepoChunks(repoId, options);
    return all.filter((c) => c.contentHash === contentHash);
  }

  async findChunkAtLine(snapshot: SnapshotRef, filePath: string, line: number, options?: CallOptions): Promise<Chunk | null> {
    throwIfAborted(options?.signal, 'chunk-store');
    const found = this.#files.get(fileKey(snapshot, filePath))?.at(line) ?? null;
    return found ? cloneChunk(found) : null;
  }

  async findChunksAtLines(snapshot: SnapshotRef, locations: readonly LineLocation[], options?: LineLookupOptions): Promise<(Chunk | null)[]> {
    throwIfAborted(options?.signal, 'chunk-store');
    // One copy per chunk found, however many of the lines fall in it (none when borrowed); one
    // file lookup per run of lines in the same file (a backend returns a file's lines together).
    const borrow = options?.borrow === true;
    const copies = new Map<Chunk, Chunk>();
    let lastPath: string | undefined;
    let intervals: FileIntervals | undefined;
    return locations.map(({ filePath, line }) => {
      if (filePath !== lastPath) {
        lastPath = filePath;
        intervals = this.#files.get(fileKey(snapshot, filePath));
      }
      const found = intervals?.at(line) ?? null;
      if (!found || borrow) return found;
      let copy = copies.get(found);
      if (!copy) copies.set(found, (copy = cloneChunk(found)));
      return copy;
    });
  }

  async getFileChunk(snapshot: SnapshotRef, filePath: string, options?: CallOptions): Promise<Chunk | null> {
    throwIfAborted(options?.signal, 'chunk-store');
    const file = this.#files
      .get(fileKey(snapshot, filePath))
      ?.all()
      .find((c) => c.kind === 'file' && !c.deleted);
    return file ? cloneChunk(file) : null;
  }

  async deleteSnapshot(snapshot: SnapshotRef, options?: CallOptions & { filePaths?: readonly string[] }): Promise<number> {
    throwIfAborted(options?.signal, 'chunk-store');
    const only = options?.filePaths ? new Set(options.filePaths) : null;
    let n = 0;
    for (const row of this.#rows.values()) {
      if (row.deleted || row.repoId !== snapshot.repoId || row.snapshotId !== snapshot.snapshotId) continue;
      if (only && !only.has(row.filePath)) continue;
      row.deleted = true;
      n++;
    }
    return n;
  }

  async copySnapshot(from: SnapshotRef, to: SnapshotRef, exceptPaths: readonly string[], options?: CallOptions): Promise<number> {
    throwIfAborted(options?.signal, 'chunk-store');
    const except = new Set(exceptPaths);
    const copies = [...this.#rows.values()].filter(
      (c) => !c.deleted && c.repoId === from.repoId && c.snapshotId === from.snapshotId && !except.has(c.filePath),
    );
    let n = 0;
    for (const c of copies) {
      if (this.#visible(this.#key(to.repoId, to.snapshotId, c.id))) continue;
      this.#write({ ...c, repoId: to.repoId, snapshotId: to.snapshotId });
      n++;
    }
    return n;
  }

  async close(): Promise<void> {}
}
