import {
  AbortedError,
  ConfigError,
  InvalidInputError,
  selectSymbolContext,
  throwIfAborted,
  type CallOptions,
  type CatalogStore,
  type Chunk,
  type ChunkStore,
  type IndexName,
  type IndexRunResult,
  type ParsedFiles,
  type ParseProgress,
  type RelinkChange,
  type RepositoryParser,
  type SearchIndex,
  type SnapshotContent,
  type SnapshotDelta,
  type SnapshotRecord,
  type SnapshotRef,
  type ScannedFile,
  type SourceFile,
  type SourceFileInfo,
  type SymbolContextNeed,
  directoriesAbove,
} from '@trawl/core';
import { leftByDeadRun, thisProcess } from './run-owner.js';
import { contentSnapshotId } from './snapshot-id.js';

type ParseOptions = Parameters<RepositoryParser['parse']>[1];

/** Progress of an index run, for progress bars and logs. */
export type IndexProgressEvent =
  | { stage: 'scan'; files: number; skipped: number }
  | { stage: 'plan'; mode: 'full' | 'incremental' | 'unchanged'; changed: number; deleted: number; total: number; snapshotId: string }
  | ({ stage: 'parse' } & ParseProgress)
  | { stage: 'store'; files: number; chunks: number }
  | { stage: 'index'; index: IndexName; status: 'start' | 'done' | 'failed'; result?: IndexRunResult; error?: string }
  | { stage: 'done'; snapshotId: string; durationMs: number };

export interface IndexerOptions {
  catalog: CatalogStore;
  chunks: ChunkStore;
  parser: RepositoryParser;
  /** Every index to feed. Each must finish for the snapshot to become ready. */
  indexes: readonly SearchIndex[];
  /** Ready snapshots kept per repository, the newest included (default 2: current and previous). */
  keepSnapshots?: number;
  /**
   * How many indexes are fed (or cleared) at the same time. Default: all of them. Indexes write
   * to their own tables and backends (Zoekt, Kuzu and PostgreSQL work in their own processes or
   * threads), so running them side by side overlaps their waits; lower it to bound memory when
   * an index (embeddings) is heavy. 1 runs them one after another, in `indexes` order. The
   * catalog and chunk store are written beside them either way.
   */
  indexConcurrency?: number;
}

export interface IndexRepositoryOptions extends CallOptions {
  repoId: string;
  root: string;
  /**
   * Build from the latest ready snapshot, re-parsing only changed files (default true when one
   * exists). `false` parses everything, and rebuilds the snapshot of an unchanged tree too.
   */
  incremental?: boolean;
  onProgress?: (event: IndexProgressEvent) => void;
}

export interface IndexRepositoryResult {
  repoId: string;
  snapshotId: string;
  mode: 'full' | 'incremental' | 'unchanged';
  files: number;
  chunks: number;
  changedPaths: string[];
  deletedPaths: string[];
  /**
   * Unchanged files linked again because the change alters their links (an incremental run with
   * an index that keeps links between files; see `SearchIndex.relinkScope`).
   */
  relinkedPaths: string[];
  skipped: { path: string; reason: string }[];
  indexes: IndexRunResult[];
  durationMs: number;
}

/**
 * The indexing flow: scan, parse, store files and chunks while feeding every index, then mark
 * the snapshot ready. Until that last step the snapshot is `indexing` and never searched, so a crash
 * anywhere leaves the previous ready snapshot answering; re-running converges because snapshot
 * ids are content-derived and every write is an upsert.
 *
 * ```ts
 * const indexer = new Indexer({ catalog, chunks, parser, indexes: [lexical, fuzzy, symbols] })
 * const result = await indexer.indexRepository({ repoId: 'app', root: '/src/app' })
 * ```
 */
export class Indexer {
  readonly #o: IndexerOptions;
  /**
   * The files of each repository's newest snapshot as this indexer left them in the catalog: the
   * next run's stat cache without reading it back (`listFiles`: 50-80 ms at 10k files). Keyed by
   * snapshot id, so a snapshot made elsewhere (another process) is read from the catalog as before.
   */
  readonly #newestFiles = new Map<string, { snapshotId: string; files: ReadonlyMap<string, SourceFileInfo> }>();
  /** Each repository's latest index run, which the next one waits for. */
  readonly #running = new Map<string, Promise<IndexRepositoryResult>>();
  /** Each repository's prune still running after the run that started it returned (see {@link idle}). */
  readonly #pruning = new Map<string, Promise<void>>();

  constructor(options: IndexerOptions) {
    if (options.indexConcurrency !== undefined && !(Number.isInteger(options.indexConcurrency) && options.indexConcurrency >= 1)) {
      throw new ConfigError(`indexConcurrency must be a whole number of 1 or more, got ${options.indexConcurrency}`, { component: 'indexer' });
    }
    this.#o = options;
  }

  /**
   * Indexes `root` as `repoId`. Runs of one repository run one after another: a second call
   * waits for the first to finish, then builds on what it left (the same tree is then unchanged).
   */
  async indexRepository(options: IndexRepositoryOptions): Promise<IndexRepositoryResult> {
    const { repoId, signal } = options;
    // A run cancelled while it waits gives up at once, and starts nothing when its turn comes;
    // once started, it stops as a run does (marking its snapshot failed first).
    let started = false;
    const start = () => {
      started = true;
      return signal?.aborted ? Promise.reject(abortedWhileQueued(signal)) : this.#indexRepository(options);
    };
    const run = (this.#running.get(repoId) ?? Promise.resolve()).then(start, start);
    this.#running.set(repoId, run);
    run.catch(() => undefined).finally(() => {
      if (this.#running.get(repoId) === run) this.#running.delete(repoId);
    });
    if (!signal) return run;
    return new Promise<IndexRepositoryResult>((resolve, reject) => {
      const onAbort = () => {
        if (!started) reject(abortedWhileQueued(signal));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      run.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  async #indexRepository(options: IndexRepositoryOptions): Promise<IndexRepositoryResult> {
    const started = performance.now();
    const { catalog, chunks, parser } = this.#o;
    const { repoId, root, signal } = options;
    const emit = options.onProgress ?? (() => undefined);

    // The latest ready snapshot is the base of an incremental run; its files are also the scan's
    // stat cache (a file whose size and change time are unchanged is not read again).
    const base = options.incremental === false ? null : await catalog.latestReadySnapshot(repoId, { signal });
    const known = base ? await this.#filesOf(base, signal) : undefined;
    const scan = await parser.scan(root, { signal, known });
    emit({ stage: 'scan', files: scan.files.length, skipped: scan.skipped.length });
    if (scan.files.length === 0) {
      throw new InvalidInputError(
        `found no files to index under ${root}${scan.skipped.length ? ` (${scan.skipped.length} skipped, e.g. ${scan.skipped[0]!.path}: ${scan.skipped[0]!.reason})` : ''}: check the path and your ignore files`,
        { component: 'indexer' },
      );
    }
    const snapshotId = contentSnapshotId(scan.files);
    const ref: SnapshotRef = { repoId, snapshotId };
    await catalog.upsertRepo({ repoId, rootPath: root }, { signal });
    // The previous run's prune, if still running, finishes before this run reads the snapshot it
    // makes (a failed one of the same id may be going) or writes anything. (The scan overlapped it:
    // the prune never removes the latest ready snapshot.)
    await this.#pruning.get(repoId);

    let existing = await catalog.getSnapshot(ref, { signal });
    // A tree back to an older snapshot's content (a change reverted) is that snapshot, which
    // searches must read: it becomes the latest again, or is built again from the newest one
    // where the catalog cannot say so.
    const older = existing?.status === 'ready' && base !== null && base.snapshotId !== snapshotId;
    if (older && options.incremental !== false && catalog.touchSnapshot) existing = await catalog.touchSnapshot(ref, { signal });
    if (existing?.status === 'ready' && (options.incremental === false || (older && !catalog.touchSnapshot))) {
      // A full run asked over a tree indexed as it is now (to recover an index, or to fill one
      // switched on since): that snapshot is rebuilt from scratch. Searches answer from the
      // previous ready snapshot meanwhile, when there is one.
      await this.deleteSnapshot(ref, { signal });
    } else if (existing?.status === 'ready') {
      // Nothing to index; a file read again because its time was not yet trusted can be now.
      if (base?.snapshotId === snapshotId) this.#keepFiles(ref, withTimes(known!, await this.#refreshTimes(ref, known!, scan.files, [], signal)));
      emit({ stage: 'plan', mode: 'unchanged', changed: 0, deleted: 0, total: scan.files.length, snapshotId });
      // (what an earlier run left to remove, a snapshot a killed run left among it, goes now)
      this.#pruneLater(repoId);
      emit({ stage: 'done', snapshotId, durationMs: Math.round(performance.now() - started) });
      return this.#result(ref, 'unchanged', scan.files.length, Number(existing.stats.chunks ?? 0), { changedPaths: [], deletedPaths: [], relinkedPaths: [] }, scan.skipped, [], started);
    }

    // Plan: which files differ from the base snapshot.
    let changedPaths: string[] = scan.files.map((f) => f.path);
    let deletedPaths: string[] = [];
    let mode: 'full' | 'incremental' = 'full';
    if (base) {
      const now = new Set(scan.files.map((f) => f.path));
      changedPaths = scan.files.filter((f) => known!.get(f.path)?.contentHash !== f.contentHash).map((f) => f.path);
      deletedPaths = [...known!.keys()].filter((p) => !now.has(p));
      mode = 'incremental';
    }
    emit({ stage: 'plan', mode, changed: changedPaths.length, deleted: deletedPaths.length, total: scan.files.length, snapshotId });

    await this.#eachIndex(signal, true, async (index, indexSignal) => index.prepare?.({ signal: indexSignal }));
    await catalog.beginSnapshot({ ...ref, commit: scan.commit, baseSnapshotId: mode === 'incremental' ? base!.snapshotId : null, stats: { owner: thisProcess() } }, { signal });
    try {
      const replaced = [...changedPaths, ...deletedPaths];
      // Directory chunks: only those above a replaced file can differ from the base's; a
      // directory left without files goes with the replaced files.
      const directories = mode === 'incremental' ? directoryScope(replaced, scan.files) : null;
      let unchanged: ParseOptions['unchanged'];
      if (mode === 'incremental') {
        // The parser links the changed files against the symbols of the unchanged ones: it asks,
        // once it has read the changed files, for the chunks their links can reach, lightened
        // where the store can (listSymbolChunks).
        const skip = new Set(replaced);
        unchanged = {
          files: [...known!.values()].filter((f) => !skip.has(f.path)),
          loadChunks: (need, o) => symbolChunks(chunks, base!, replaced, need, o?.signal ?? signal),
          loadSymbols: this.#linkContext(base!, replaced, signal),
          replacedPaths: replaced,
          relinkScope: this.#relinkScope(base!, known!, deletedPaths),
        };
      }
      // Files and chunks: an incremental run carries the unchanged ones over from the base while
      // the changed files are parsed (the stores and the parser wait on different things; on one
      // PGlite connection the statements queue), then writes the new ones (repository-level chunks
      // keep their ids and are overwritten with new content).
      const [parsed, refreshed] = await settleOrCancel(signal, (phase) => [
        parser.parse(root, {
          repoId,
          snapshotId,
          paths: mode === 'incremental' ? changedPaths : undefined,
          unchanged,
          signal: phase,
          onProgress: (p) => emit({ stage: 'parse', ...p }),
        }),
        mode === 'incremental'
          ? (async () => {
              await catalog.copyFiles(base!, ref, replaced, { signal: phase });
              // Unchanged files carried over keep the base's change times: record the scan's newer ones.
              return this.#refreshTimes(ref, known!, scan.files, changedPaths, phase);
            })()
          : undefined,
        mode === 'incremental' ? chunks.copySnapshot(base!, ref, [...replaced, ...directories!.emptied], { signal: phase }) : undefined,
      ] as const);
      throwIfAborted(signal, 'indexer');
      // Files linked again (unchanged, see relinkScope) are carried over like the others; only
      // the indexes that asked for them see them.
      const relinked = parsed.relinkedPaths ?? [];
      const own = relinked.length ? withoutPaths(parsed, new Set(relinked)) : parsed;
      // (the directory chunks of untouched directories are the base's, carried over: 1,800 of them
      // at 10k files, each compared with its stored row on every one-file run before)
      const toSave = directories ? own.chunks.filter((c) => c.kind !== 'module' || directories.touched.has(c.filePath)) : own.chunks;
      const content: SnapshotContent = { snapshot: ref, rootPath: root, files: own.files, chunks: own.chunks, symbols: own.symbols, relations: own.relations };
      const saved = withScanTimes(own.files, scan.files);
      // The stores and the indexes are written side by side: indexes read the snapshot from
      // `content`, and the stores' work (PostgreSQL cutting file text into trigram-indexed
      // segments, in its own process or PGlite's thread) overlaps Kuzu's and Zoekt's. An index
      // that reads the stores back waits for them (`readsStoredSnapshot`); the snapshot becomes
      // ready only when all are done, and the first failure cancels the rest.
      const [chunkCount, results] = await settleOrCancel(signal, (phase) => {
        const stored = settleOrCancel(phase, (writes) => [
          catalog.saveFiles(ref, saved, { signal: writes }),
          chunks.saveChunks(toSave, { signal: writes }),
        ] as const).then(async () => {
          const count = mode === 'full' ? parsed.chunks.length : await countChunks(chunks, ref, phase);
          emit({ stage: 'store', files: scan.files.length, chunks: count });
          return count;
        });
        const indexed = this.#eachIndex(phase, true, async (index, indexSignal) => {
          if (index.readsStoredSnapshot) await stored;
          throwIfAborted(indexSignal, 'indexer');
          emit({ stage: 'index', index: index.name, status: 'start' });
          try {
            const result =
              mode === 'incremental'
                ? await index.reindexPaths(
                    relinked.length && index.relinkScope
                      ? ({ ...content, ...parsed, baseSnapshotId: base!.snapshotId, changedPaths: [...changedPaths, ...relinked], deletedPaths, relinkedPaths: relinked } satisfies SnapshotDelta)
                      : ({ ...content, baseSnapshotId: base!.snapshotId, changedPaths, deletedPaths } satisfies SnapshotDelta),
                    { signal: indexSignal },
                  )
                : await index.reindexRepo(content, { signal: indexSignal });
            emit({ stage: 'index', index: index.name, status: 'done', result });
            return result;
          } catch (error) {
            emit({ stage: 'index', index: index.name, status: 'failed', error: (error as Error).message });
            throw error;
          }
        });
        return [stored, indexed] as const;
      });
      throwIfAborted(signal, 'indexer');

      await catalog.finishSnapshot(
        ref,
        { status: 'ready', stats: { files: scan.files.length, chunks: chunkCount, mode, changed: changedPaths.length, deleted: deletedPaths.length, ...(relinked.length ? { relinked: relinked.length } : {}) } },
        { signal },
      );
      // The catalog now holds the base's files but the replaced ones, with the times refreshed,
      // and the files saved (a full run: only those).
      const files = mode === 'incremental' ? withTimes(known!, refreshed ?? []) : new Map<string, SourceFileInfo>();
      if (mode === 'incremental') for (const path of replaced) files.delete(path);
      for (const f of saved) files.set(f.path, fileInfoOf(f, f.modifiedMs));
      this.#keepFiles(ref, files);
      // The new snapshot answers searches from here. Removing the oldest one is left running
      // (the next run of the repository, deleteRepository and idle() wait for it).
      this.#pruneLater(repoId);
      emit({ stage: 'done', snapshotId, durationMs: Math.round(performance.now() - started) });
      return this.#result(ref, mode, scan.files.length, chunkCount, { changedPaths, deletedPaths, relinkedPaths: [...relinked] }, scan.skipped, results, started);
    } catch (error) {
      const reason = error instanceof AbortedError || signal?.aborted ? 'cancelled' : (error as Error).message;
      await catalog.finishSnapshot(ref, { status: 'failed', error: reason }).catch(() => undefined);
      throw error;
    }
  }

  /** The parser's `loadSymbols`: the first index that keeps the base's symbols (`linkContext`) adds what chunks lack. */
  #linkContext(base: SnapshotRef, exceptPaths: readonly string[], signal?: AbortSignal): NonNullable<ParseOptions['unchanged']>['loadSymbols'] {
    const holders = this.#o.indexes.filter((index) => typeof index.linkContext === 'function');
    if (!holders.length) return undefined;
    return async (need, options) => {
      for (const index of holders) {
        const symbols = await index.linkContext!(base, need, { exceptPaths, signal: options?.signal ?? signal });
        if (symbols) return symbols;
      }
      return null;
    };
  }

  /**
   * The parser's `relinkScope` for an incremental run from `base`: what the indexes that keep
   * links between files (`SearchIndex.relinkScope`) say the change re-links, together.
   */
  #relinkScope(base: SnapshotRef, known: ReadonlyMap<string, SourceFileInfo>, deletedPaths: readonly string[]): NonNullable<ParseOptions['unchanged']>['relinkScope'] {
    const relinkers = this.#o.indexes.filter((index) => typeof index.relinkScope === 'function');
    if (!relinkers.length) return undefined;
    return async (change, options) => {
      // (the parser knows only the paths it was given: files deleted since the base are the scan's)
      const full: RelinkChange = {
        ...change,
        base: { repoId: base.repoId, snapshotId: base.snapshotId },
        addedPaths: change.changedPaths.filter((p) => !known.has(p)),
        deletedPaths: [...new Set([...deletedPaths, ...change.deletedPaths])],
      };
      const scopes = await Promise.all(relinkers.map((index) => index.relinkScope!(full, options)));
      const paths = new Set<string>();
      const names = new Set<string>();
      const mentioning = new Set<string>();
      const directories = new Set<string>();
      for (const scope of scopes) {
        for (const p of scope.paths) paths.add(p);
        for (const n of scope.mentioning?.names ?? []) names.add(n);
        for (const p of scope.mentioning?.paths ?? []) mentioning.add(p);
        for (const d of scope.mentioning?.directories ?? []) directories.add(d);
      }
      return { paths: [...paths], mentioning: { names: [...names], paths: [...mentioning], directories: [...directories] } };
    };
  }

  /**
   * Records in `ref` the change times the scan found for files other than `changedPaths` where they
   * differ from `known` (the times `ref`'s rows carry): a file too recent to trust when it was
   * last hashed, or touched since, is then not read again by the next scan.
   */
  async #refreshTimes(ref: SnapshotRef, known: ReadonlyMap<string, SourceFileInfo>, scanned: readonly ScannedFile[], changedPaths: readonly string[], signal?: AbortSignal): Promise<FileTime[]> {
    const { catalog } = this.#o;
    if (!catalog.updateModifiedTimes) return [];
    const changed = new Set(changedPaths);
    const times = scanned
      .filter((f) => !changed.has(f.path) && known.has(f.path) && (f.modifiedMs ?? null) !== (known.get(f.path)!.modifiedMs ?? null))
      .map((f) => ({ path: f.path, modifiedMs: f.modifiedMs ?? null }));
    if (times.length > 0) await catalog.updateModifiedTimes(ref, times, { signal });
    return times;
  }

  /** A snapshot's files: kept from this indexer's last run when that made it, else from the catalog. */
  async #filesOf(snapshot: SnapshotRef, signal?: AbortSignal): Promise<ReadonlyMap<string, SourceFileInfo>> {
    const kept = this.#newestFiles.get(snapshot.repoId);
    if (kept?.snapshotId === snapshot.snapshotId) return kept.files;
    return new Map((await this.#o.catalog.listFiles(snapshot, { signal })).map((f) => [f.path, f]));
  }

  #keepFiles(ref: SnapshotRef, files: ReadonlyMap<string, SourceFileInfo>): void {
    this.#newestFiles.delete(ref.repoId); // (re-inserted: most recently indexed last)
    this.#newestFiles.set(ref.repoId, { snapshotId: ref.snapshotId, files });
    if (this.#newestFiles.size > KEPT_FILE_LISTS) this.#newestFiles.delete(this.#newestFiles.keys().next().value!);
  }

  /**
   * Resolves once no run is running or queued and the snapshots that finished runs left to
   * remove are gone from every store. A run returns as soon as its snapshot is ready, and the
   * oldest snapshots beyond `keepSnapshots` are removed after it: await this before closing the
   * stores and indexes yourself (the container's `close()` does). A removal that fails is retried
   * after the repository's next run.
   */
  async idle(): Promise<void> {
    while (this.#running.size > 0 || this.#pruning.size > 0) await Promise.allSettled([...this.#running.values(), ...this.#pruning.values()]);
  }

  /**
   * Starts removing `repoId`'s snapshots beyond `keepSnapshots`, without waiting for it, after
   * the repository's prune still running (two runs of one repository at once each start one).
   */
  #pruneLater(repoId: string): void {
    const pruning: Promise<void> = (this.#pruning.get(repoId) ?? Promise.resolve())
      .then(() => this.#prune(repoId))
      .catch(() => undefined)
      .finally(() => {
        if (this.#pruning.get(repoId) === pruning) this.#pruning.delete(repoId);
      });
    this.#pruning.set(repoId, pruning);
  }

  /**
   * Removes the oldest ready snapshots beyond `keepSnapshots` from every store, with failed ones
   * and those a run that died left `indexing` (see {@link leftByDeadRun}).
   */
  async #prune(repoId: string): Promise<void> {
    const keep = this.#o.keepSnapshots ?? 2;
    const all = await this.#o.catalog.listSnapshots(repoId);
    const ready = all.filter((s) => s.status === 'ready').sort((a, b) => b.finishedAt!.getTime() - a.finishedAt!.getTime());
    const drop: SnapshotRecord[] = [...ready.slice(keep), ...all.filter((s) => s.status === 'failed' || (s.status === 'indexing' && leftByDeadRun(s)))];
    for (const s of drop) await this.deleteSnapshot(s);
  }

  /** Deletes one snapshot from every index and store (for good where the chunk store can purge). */
  async deleteSnapshot(ref: SnapshotRef, options?: CallOptions): Promise<void> {
    if (this.#newestFiles.get(ref.repoId)?.snapshotId === ref.snapshotId) this.#newestFiles.delete(ref.repoId);
    // (failed first: a removal stopped halfway leaves a snapshot no search reads or touch revives)
    await this.#o.catalog.retireSnapshot?.(ref, 'being removed', options);
    await this.#eachIndex(options?.signal, false, (index) => index.deleteRepo(ref.repoId, ref.snapshotId, options));
    await this.#dropChunks(ref, options);
    await this.#o.catalog.deleteSnapshot(ref, options);
  }

  /** Deletes a repository from every index and store. */
  async deleteRepository(repoId: string, options?: CallOptions): Promise<void> {
    await this.#pruning.get(repoId);
    this.#newestFiles.delete(repoId);
    await this.#eachIndex(options?.signal, false, (index) => index.deleteRepo(repoId, undefined, options));
    for (const s of await this.#o.catalog.listSnapshots(repoId, options)) await this.#dropChunks(s, options);
    await this.#o.catalog.deleteRepo(repoId, options);
  }

  /**
   * Runs `step` for every index, `indexConcurrency` at a time, and returns the results in
   * `indexes` order once every step has settled (nothing is left running when it returns or
   * throws). On the first failure it throws that error; with `abortOthers`, steps still running
   * are cancelled through the signal they were given (a failed index run dooms the snapshot,
   * while a failed delete should not stop the other indexes from deleting).
   */
  async #eachIndex<T>(signal: AbortSignal | undefined, abortOthers: boolean, step: (index: SearchIndex, signal: AbortSignal | undefined) => Promise<T>): Promise<T[]> {
    const indexes = this.#o.indexes;
    const controller = abortOthers ? new AbortController() : undefined;
    const stepSignal = controller && signal ? AbortSignal.any([signal, controller.signal]) : (controller?.signal ?? signal);
    const results: T[] = new Array(indexes.length);
    let failure: { error: unknown } | undefined;
    let next = 0;
    const worker = async () => {
      while (next < indexes.length) {
        const i = next++;
        if (failure && abortOthers) return;
        try {
          results[i] = await step(indexes[i]!, stepSignal);
        } catch (error) {
          if (!failure) {
            failure = { error };
            controller?.abort(error);
          }
        }
      }
    };
    const width = Math.max(1, Math.min(indexes.length, this.#o.indexConcurrency ?? indexes.length));
    await Promise.all(Array.from({ length: width }, worker));
    if (failure) throw failure.error;
    return results;
  }

  /** A snapshot's chunks, removed for good where the store can purge, else soft-deleted. */
  async #dropChunks(ref: SnapshotRef, options?: CallOptions): Promise<void> {
    const chunks = this.#o.chunks as ChunkStore & Partial<LeanChunkReads>;
    if (typeof chunks.purgeSnapshot === 'function') await chunks.purgeSnapshot(ref, options);
    else await chunks.deleteSnapshot(ref, options);
  }

  #result(
    ref: SnapshotRef,
    mode: IndexRepositoryResult['mode'],
    files: number,
    chunkCount: number,
    paths: Pick<IndexRepositoryResult, 'changedPaths' | 'deletedPaths' | 'relinkedPaths'>,
    skipped: { path: string; reason: string }[],
    indexes: IndexRunResult[],
    started: number,
  ): IndexRepositoryResult {
    return { ...ref, mode, files, chunks: chunkCount, ...paths, skipped, indexes, durationMs: Math.round(performance.now() - started) };
  }
}

/** Optional ChunkStore methods the indexer uses when a store has them (PostgresChunkStore has all three). */
interface LeanChunkReads {
  /** Removes a snapshot's rows for good (pruning), instead of the port's soft delete. */
  purgeSnapshot(snapshot: SnapshotRef, options?: CallOptions): Promise<number>;
  listSymbolChunks(snapshot: SnapshotRef, options?: CallOptions & { exceptPaths?: readonly string[]; need?: SymbolContextNeed }): Promise<Chunk[]>;
  countChunks(snapshot: SnapshotRef, options?: CallOptions): Promise<number>;
}

/**
 * Runs the tasks `start` returns (`undefined` for one not started) with a signal that is
 * cancelled as soon as one fails (or the caller's `signal` is), awaits them all (nothing a failed
 * step started is still writing when the caller marks the snapshot failed), and throws the first
 * failure in time, not the cancellations it caused.
 */
async function settleOrCancel<T extends readonly (Promise<unknown> | undefined)[]>(
  signal: AbortSignal | undefined,
  start: (phase: AbortSignal) => T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const controller = new AbortController();
  const phase = signal ? AbortSignal.any([signal, controller.signal]) : controller.signal;
  let failure: { error: unknown } | undefined;
  const tasks = start(phase).map((task) =>
    task?.catch((error: unknown) => {
      if (!failure) {
        failure = { error };
        controller.abort(error);
      }
      throw error;
    }),
  );
  const settled = await Promise.allSettled(tasks);
  if (failure) throw failure.error;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}

/**
 * The directories above `replaced` paths (what an incremental run rebuilds the `module` chunks
 * of: a directory's chunk depends only on the files below it), and those of them no scanned
 * file is below any more (their chunks go).
 */
function directoryScope(replaced: readonly string[], scanned: readonly ScannedFile[]): { touched: Set<string>; emptied: string[] } {
  const touched = directoriesAbove(replaced);
  const present = touched.size > 0 ? directoriesAbove(scanned.map((f) => f.path)) : new Set<string>();
  return { touched, emptied: [...touched].filter((d) => !present.has(d)) };
}

/** Repositories whose newest file list an indexer keeps (see `Indexer.#newestFiles`). */
const KEPT_FILE_LISTS = 16;

type FileTime = { path: string; modifiedMs: number | null };

/** A file as the catalog lists it: no content, a change time only when known. */
function fileInfoOf(f: SourceFileInfo, modifiedMs: number | null | undefined): SourceFileInfo {
  return { path: f.path, language: f.language, contentHash: f.contentHash, sizeBytes: f.sizeBytes, lineCount: f.lineCount, ...(modifiedMs != null ? { modifiedMs } : {}) };
}

/** `files` with `times` applied. */
function withTimes(files: ReadonlyMap<string, SourceFileInfo>, times: readonly FileTime[]): Map<string, SourceFileInfo> {
  const out = new Map(files);
  for (const t of times) {
    const f = out.get(t.path);
    if (f) out.set(t.path, fileInfoOf(f, t.modifiedMs));
  }
  return out;
}

/**
 * The parsed files with the change times the scan recorded, for the next run's stat cache; a file
 * that changed between scan and parse (another hash) gets none.
 */
function withScanTimes(files: readonly SourceFile[], scanned: readonly ScannedFile[]): SourceFile[] {
  const byPath = new Map(scanned.map((f) => [f.path, f]));
  return files.map((f) => {
    const s = byPath.get(f.path);
    return s?.modifiedMs != null && s.contentHash === f.contentHash ? { ...f, modifiedMs: s.modifiedMs } : f;
  });
}

function abortedWhileQueued(signal: AbortSignal): AbortedError {
  return new AbortedError('the index run was cancelled before it started (it waited for the repository\'s run before it)', { component: 'indexer', cause: signal.reason });
}

/** What a parse produced, without the files in `paths`. */
function withoutPaths(parsed: ParsedFiles, paths: ReadonlySet<string>): ParsedFiles {
  return {
    files: parsed.files.filter((f) => !paths.has(f.path)),
    chunks: parsed.chunks.filter((c) => !paths.has(c.filePath)),
    symbols: parsed.symbols.filter((s) => !paths.has(s.filePath)),
    relations: parsed.relations.filter((r) => !paths.has(r.filePath)),
  };
}

async function symbolChunks(store: ChunkStore, snapshot: SnapshotRef, exceptPaths: readonly string[], need: SymbolContextNeed, signal?: AbortSignal): Promise<Chunk[]> {
  const lean = store as ChunkStore & Partial<LeanChunkReads>;
  if (typeof lean.listSymbolChunks === 'function') return lean.listSymbolChunks(snapshot, { exceptPaths, need, signal });
  const skip = new Set(exceptPaths);
  return selectSymbolContext((await store.listRepoChunks(snapshot.repoId, { snapshotId: snapshot.snapshotId, signal })).filter((c) => !skip.has(c.filePath)), need);
}

async function countChunks(store: ChunkStore, snapshot: SnapshotRef, signal?: AbortSignal): Promise<number> {
  const lean = store as ChunkStore & Partial<LeanChunkReads>;
  if (typeof lean.countChunks === 'function') return lean.countChunks(snapshot, { signal });
  return (await store.listRepoChunks(snapshot.repoId, { snapshotId: snapshot.snapshotId, signal })).length;
}
