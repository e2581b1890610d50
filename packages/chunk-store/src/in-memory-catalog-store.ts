import {
  ConflictError,
  NotFoundError,
  snapshotKey,
  throwIfAborted,
  type CallOptions,
  type CatalogStore,
  type FileLineRange,
  type FileLines,
  type RepoRecord,
  type SnapshotRecord,
  type SnapshotRef,
  type SnapshotStatus,
  type SourceFile,
  type SourceFileInfo,
} from '@trawl/core';
import { lineCharLimit, validateFile, validateModifiedMs, validateRef } from './catalog-validation.js';

/** A copy of `file` with `modifiedMs` set, or without the field when unknown (as PostgreSQL reads it back). */
function withTime(file: SourceFile, modifiedMs: number | null | undefined): SourceFile {
  const { modifiedMs: _old, ...rest } = file;
  return modifiedMs != null ? { ...rest, modifiedMs } : rest;
}

/** A CatalogStore in process memory (tests, development). Same contract as the PostgreSQL one. */
export class InMemoryCatalogStore implements CatalogStore {
  #repos = new Map<string, RepoRecord>();
  #snapshots = new Map<string, SnapshotRecord>();
  #files = new Map<string, Map<string, SourceFile>>();

  async upsertRepo(repo: { repoId: string; rootPath?: string | null }, options?: CallOptions): Promise<RepoRecord> {
    throwIfAborted(options?.signal, 'catalog');
    validateRef({ repoId: repo.repoId, snapshotId: '-' });
    const now = new Date();
    const previous = this.#repos.get(repo.repoId);
    const record: RepoRecord = {
      repoId: repo.repoId,
      rootPath: repo.rootPath === undefined ? (previous?.rootPath ?? null) : repo.rootPath,
      createdAt: previous?.createdAt ?? now,
      updatedAt: now,
    };
    this.#repos.set(repo.repoId, record);
    return { ...record };
  }

  async getRepo(repoId: string): Promise<RepoRecord | null> {
    const r = this.#repos.get(repoId);
    return r ? { ...r } : null;
  }

  async listRepos(): Promise<RepoRecord[]> {
    return [...this.#repos.values()].sort((a, b) => a.repoId.localeCompare(b.repoId)).map((r) => ({ ...r }));
  }

  async deleteRepo(repoId: string): Promise<void> {
    this.#repos.delete(repoId);
    for (const [key, s] of this.#snapshots) {
      if (s.repoId === repoId) {
        this.#snapshots.delete(key);
        this.#files.delete(key);
      }
    }
  }

  async beginSnapshot(snapshot: SnapshotRef & { commit?: string | null; baseSnapshotId?: string | null; stats?: Record<string, unknown> }, options?: CallOptions): Promise<SnapshotRecord> {
    throwIfAborted(options?.signal, 'catalog');
    validateRef(snapshot);
    if (!this.#repos.has(snapshot.repoId)) throw new NotFoundError(`unknown repository "${snapshot.repoId}": upsertRepo first`, { component: 'catalog' });
    const record: SnapshotRecord = {
      repoId: snapshot.repoId,
      snapshotId: snapshot.snapshotId,
      status: 'indexing',
      commit: snapshot.commit ?? null,
      baseSnapshotId: snapshot.baseSnapshotId ?? null,
      createdAt: new Date(),
      finishedAt: null,
      error: null,
      stats: structuredClone(snapshot.stats ?? {}),
    };
    this.#snapshots.set(snapshotKey(snapshot), record);
    return { ...record };
  }

  async finishSnapshot(
    snapshot: SnapshotRef,
    result: { status: Exclude<SnapshotStatus, 'indexing'>; error?: string | null; stats?: Record<string, unknown> },
  ): Promise<SnapshotRecord> {
    const record = this.#snapshots.get(snapshotKey(snapshot));
    if (!record) throw new NotFoundError(`unknown snapshot ${snapshot.repoId}@${snapshot.snapshotId}`, { component: 'catalog' });
    if (record.status !== 'indexing') {
      throw new ConflictError(`snapshot ${snapshot.repoId}@${snapshot.snapshotId} is already ${record.status}`, { component: 'catalog' });
    }
    Object.assign(record, { status: result.status, error: result.error ?? null, stats: result.stats ?? {}, finishedAt: this.#later(snapshot.repoId) });
    return { ...record };
  }

  async touchSnapshot(snapshot: SnapshotRef, options?: CallOptions): Promise<SnapshotRecord> {
    throwIfAborted(options?.signal, 'catalog');
    const record = this.#snapshots.get(snapshotKey(snapshot));
    if (!record) throw new NotFoundError(`unknown snapshot ${snapshot.repoId}@${snapshot.snapshotId}`, { component: 'catalog' });
    if (record.status !== 'ready') throw new ConflictError(`snapshot ${snapshot.repoId}@${snapshot.snapshotId} is ${record.status}, not ready`, { component: 'catalog' });
    record.finishedAt = this.#later(snapshot.repoId);
    return { ...record };
  }

  /** Now, or later than every snapshot of the repository finished so far (one touched ahead, or finished this millisecond). */
  #later(repoId: string): Date {
    let newest = 0;
    for (const s of this.#snapshots.values()) if (s.repoId === repoId && s.finishedAt) newest = Math.max(newest, s.finishedAt.getTime());
    return new Date(Math.max(Date.now(), newest + 1));
  }

  async retireSnapshot(snapshot: SnapshotRef, error: string, options?: CallOptions): Promise<void> {
    throwIfAborted(options?.signal, 'catalog');
    const record = this.#snapshots.get(snapshotKey(snapshot));
    if (record?.status === 'ready') Object.assign(record, { status: 'failed', error });
  }

  async getSnapshot(snapshot: SnapshotRef): Promise<SnapshotRecord | null> {
    const r = this.#snapshots.get(snapshotKey(snapshot));
    return r ? { ...r } : null;
  }

  async listSnapshots(repoId: string): Promise<SnapshotRecord[]> {
    return [...this.#snapshots.values()]
      .filter((s) => s.repoId === repoId)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.snapshotId.localeCompare(a.snapshotId))
      .map((s) => ({ ...s }));
  }

  async latestReadySnapshot(repoId: string): Promise<SnapshotRecord | null> {
    const ready = [...this.#snapshots.values()].filter((s) => s.repoId === repoId && s.status === 'ready');
    ready.sort((a, b) => b.finishedAt!.getTime() - a.finishedAt!.getTime());
    return ready[0] ? { ...ready[0] } : null;
  }

  async deleteSnapshot(snapshot: SnapshotRef): Promise<void> {
    this.#snapshots.delete(snapshotKey(snapshot));
    this.#files.delete(snapshotKey(snapshot));
  }

  #filesOf(snapshot: SnapshotRef): Map<string, SourceFile> {
    const key = snapshotKey(snapshot);
    if (!this.#snapshots.has(key)) throw new NotFoundError(`unknown snapshot ${snapshot.repoId}@${snapshot.snapshotId}: beginSnapshot first`, { component: 'catalog' });
    let files = this.#files.get(key);
    if (!files) this.#files.set(key, (files = new Map()));
    return files;
  }

  async saveFiles(snapshot: SnapshotRef, files: readonly SourceFile[], options?: CallOptions): Promise<number> {
    throwIfAborted(options?.signal, 'catalog');
    files.forEach(validateFile);
    const map = this.#filesOf(snapshot);
    for (const f of files) map.set(f.path, withTime(f, f.modifiedMs));
    return files.length;
  }

  async deleteFiles(snapshot: SnapshotRef, paths: readonly string[]): Promise<number> {
    const map = this.#filesOf(snapshot);
    let n = 0;
    for (const p of paths) if (map.delete(p)) n++;
    return n;
  }

  async copyFiles(from: SnapshotRef, to: SnapshotRef, except: readonly string[]): Promise<number> {
    const source = this.#files.get(snapshotKey(from)) ?? new Map<string, SourceFile>();
    const target = this.#filesOf(to);
    const skip = new Set(except);
    let n = 0;
    for (const [path, file] of source) {
      if (skip.has(path) || target.has(path)) continue;
      target.set(path, { ...file });
      n++;
    }
    return n;
  }

  async updateModifiedTimes(snapshot: SnapshotRef, times: readonly { path: string; modifiedMs: number | null }[], options?: CallOptions): Promise<number> {
    throwIfAborted(options?.signal, 'catalog');
    times.forEach((t, i) => validateModifiedMs(t.modifiedMs, `time #${i} (${t.path})`));
    const map = this.#files.get(snapshotKey(snapshot));
    let n = 0;
    for (const { path, modifiedMs } of times) {
      const file = map?.get(path);
      if (!file || (file.modifiedMs ?? null) === modifiedMs) continue;
      map!.set(path, withTime(file, modifiedMs));
      n++;
    }
    return n;
  }

  async getFile(snapshot: SnapshotRef, path: string): Promise<SourceFile | null> {
    const f = this.#files.get(snapshotKey(snapshot))?.get(path);
    return f ? { ...f } : null;
  }

  async getFiles(snapshot: SnapshotRef, paths: readonly string[]): Promise<SourceFile[]> {
    const map = this.#files.get(snapshotKey(snapshot));
    return paths.flatMap((p) => {
      const f = map?.get(p);
      return f ? [{ ...f }] : [];
    });
  }

  async getFileLines(snapshot: SnapshotRef, ranges: readonly FileLineRange[], options?: CallOptions & { maxLineChars?: number }): Promise<(FileLines | null)[]> {
    const map = this.#files.get(snapshotKey(snapshot));
    const max = lineCharLimit(options?.maxLineChars);
    return ranges.map((r) => {
      const f = map?.get(r.path);
      if (!f) return null;
      const start = Math.max(1, r.startLine);
      const lines = f.content.split('\n').slice(start - 1, Math.max(start - 1, r.endLine));
      return { path: r.path, contentHash: f.contentHash, startLine: start, lines: max === Infinity ? lines : lines.map((l) => l.slice(0, max)) };
    });
  }

  async listFiles(snapshot: SnapshotRef): Promise<SourceFileInfo[]> {
    const map = this.#files.get(snapshotKey(snapshot));
    return [...(map?.values() ?? [])]
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .map(({ content: _content, ...info }) => info);
  }

  async close(): Promise<void> {}
}
