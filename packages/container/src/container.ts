import { join } from 'node:path';
import {
  bounded,
  ConfigError,
  type CallOptions,
  type CatalogStore,
  type ChunkStore,
  type HealthStatus,
  type IndexName,
  type SearchIndex,
  type SnapshotRef,
  type SymbolIndex,
} from '@trawl/core';
import { InMemoryCatalogStore, InMemoryChunkStore, PostgresCatalogStore, PostgresChunkStore } from '@trawl/chunk-store';
import { PostgresStore, migrationStatus, runMigrations, type MigrationRunResult, type MigrationStatusEntry } from '@trawl/postgres';
import { PostgresDomainIndex } from '@trawl/index-domain';
import { PostgresFuzzyIndex } from '@trawl/index-fuzzy';
import { TreeSitterRepositoryParser, formatWalkSummary, summarizeWalk, walkRepository, type WalkSummary } from '@trawl/parser';
import { Indexer, Retriever } from '@trawl/retrieval';
import { acquireDirectoryLock } from './home-lock.js';
import { buildOptionalIndexes, type OptionalIndexes } from './optional-indexes.js';
import { loadSettings, type TrawlSettings, type TrawlSettingsInput } from './settings.js';

export interface ComponentHealth extends HealthStatus {
  /** False for components the settings leave out (reported so users see what is off). */
  configured: boolean;
}

export interface ContainerHealth {
  ok: boolean;
  components: Record<string, ComponentHealth>;
}

/** What {@link TrawlContainer.warmUp} loaded for one repository's latest ready snapshot. */
export interface WarmUpReport {
  repo: string;
  snapshotId: string;
  /** The indexes (and `chunk spans`) whose tables are loaded. */
  warmed: string[];
  failed: { part: string; error: string }[];
  ms: number;
}

/**
 * Runs `fn` once and caches the promise; a failure is not cached, so a later call retries.
 * `guard` runs on every call (the container refuses use after close).
 */
function lazy<T>(fn: () => Promise<T>, guard?: () => void): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    try {
      guard?.();
    } catch (error) {
      return Promise.reject(error);
    }
    pending ??= fn().catch((error) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

/**
 * Builds Trawl's layers from settings, each lazily and once, and owns their health and shutdown.
 * It holds no search logic: apps ask it for the retriever, the indexer or a store.
 *
 * ```ts
 * await using trawl = createContainer()            // embedded default under ./.trawl
 * await (await trawl.indexer()).indexRepository({ repoId: 'app', root: '.' })
 * const { hits } = await (await trawl.retriever()).search('createUser', { repo: 'app' })
 * ```
 */
export class TrawlContainer implements AsyncDisposable {
  readonly settings: TrawlSettings;
  #closing: Promise<void> | undefined;
  #releaseLock: (() => void) | undefined;
  #postgres: PostgresStore | undefined;
  #optional: OptionalIndexes | undefined;

  constructor(settings: TrawlSettings) {
    this.settings = settings;
  }

  #assertOpen(): void {
    if (this.#closing) throw new ConfigError('this container is closed: create a new one', { component: 'container' });
  }

  /**
   * Work in flight that opens stores: layers being built and warm-ups. close() stops the warm-ups
   * and waits for all of it first, so nothing it opens is left open (a Kuzu database opened after
   * close would keep the process alive).
   */
  readonly #inFlight = new Set<Promise<unknown>>();
  #indexer: Indexer | undefined;
  readonly #stop = new AbortController();

  #track<T>(work: Promise<T>): Promise<T> {
    this.#inFlight.add(work);
    const done = () => this.#inFlight.delete(work);
    work.then(done, done);
    return work;
  }

  #lazy<T>(fn: () => Promise<T>): () => Promise<T> {
    return lazy(() => this.#track(fn()), () => this.#assertOpen());
  }

  /** The PostgreSQL store (a server with DATABASE_URL, else PGlite under the home folder). */
  readonly postgres = this.#lazy(async () => {
    const s = this.settings;
    if (s.databaseUrl) {
      this.#postgres = new PostgresStore({ connectionString: s.databaseUrl, min: s.pool.min, max: s.pool.max });
    } else {
      const dataDir = join(s.home, 'pg');
      this.#releaseLock = acquireDirectoryLock(s.home, 'the embedded database');
      this.#postgres = new PostgresStore({ embedded: { dataDir, optimizedWasm: s.optimizedWasm } });
    }
    // Stores and indexes ensure the schema on their first query; `migrate()` does it explicitly.
    return this.#postgres;
  });

  readonly catalog = this.#lazy(async (): Promise<CatalogStore> => {
    if (this.settings.chunkStore === 'memory') return new InMemoryCatalogStore();
    return new PostgresCatalogStore(await this.postgres());
  });

  readonly chunks = this.#lazy(async (): Promise<ChunkStore> => {
    if (this.settings.chunkStore === 'memory') return new InMemoryChunkStore();
    return new PostgresChunkStore(await this.postgres(), this.settings.memoryCaches ? {} : { spanCacheSize: 0 });
  });

  readonly #optionalIndexes = this.#lazy(async () => {
    this.#optional = await buildOptionalIndexes(this.settings, { postgres: () => this.postgres(), chunks: () => this.chunks() });
    return this.#optional;
  });

  /** Every configured index, in the order the indexer feeds them. */
  readonly indexes = this.#lazy(async (): Promise<SearchIndex[]> => {
    const pg = await this.postgres();
    const optional = await this.#optionalIndexes();
    const list: SearchIndex[] = [];
    if (optional.lexical) list.push(optional.lexical);
    list.push(new PostgresFuzzyIndex({ store: pg, ...(this.settings.memoryCaches ? {} : { cacheSize: 0 }) }), new PostgresDomainIndex({ store: pg }));
    if (optional.symbol) list.push(optional.symbol);
    if (optional.vector) list.push(optional.vector);
    return list;
  });

  /** Applies pending migrations (idempotent, advisory-locked). */
  async migrate(options: { signal?: AbortSignal } = {}): Promise<MigrationRunResult> {
    return runMigrations(await this.postgres(), options);
  }

  /** Applied, pending and modified migrations. */
  async migrationStatus(options: { signal?: AbortSignal } = {}): Promise<MigrationStatusEntry[]> {
    return migrationStatus(await this.postgres(), options);
  }

  /** The symbol graph, for definition / caller / callee queries; null when unavailable. */
  async symbols(): Promise<SymbolIndex | null> {
    return (await this.#optionalIndexes()).symbol ?? null;
  }

  /** Indexes the settings leave out, and why (shown by `trawl status` and search output). */
  async disabledIndexes(): Promise<{ index: IndexName; reason: string }[]> {
    return (await this.#optionalIndexes()).disabled;
  }

  readonly parser = this.#lazy(async () => new TreeSitterRepositoryParser());

  /**
   * What an index run of `root` would take in, without parsing or writing anything: file counts
   * by language, totals, and every skipped file with its reason.
   */
  async dryRun(root: string, options: { signal?: AbortSignal } = {}): Promise<{ summary: WalkSummary; text: string }> {
    const summary = summarizeWalk(await walkRepository(root, { signal: options.signal }));
    return { summary, text: formatWalkSummary(summary) };
  }

  readonly retriever = this.#lazy(
    async () => new Retriever({ indexes: await this.indexes(), catalog: await this.catalog(), chunks: await this.chunks(), deadlineMs: this.settings.deadlineMs }),
  );

  readonly indexer = this.#lazy(async () => {
    this.#indexer = new Indexer({
      indexes: await this.indexes(),
      catalog: await this.catalog(),
      chunks: await this.chunks(),
      parser: await this.parser(),
      indexConcurrency: this.settings.indexConcurrency || undefined,
    });
    return this.#indexer;
  });

  /**
   * Loads the in-memory search tables (symbol names, fuzzy identifiers, chunk line spans) of the
   * latest ready snapshot of each repository, or of `repos`, so that a server's first searches
   * do not wait for them (~3 s at 110k chunks, during which the symbol index can miss the
   * deadline). Nothing to do when `memoryCaches` is off. A part that fails is reported, not
   * thrown; it rejects only when the catalog cannot be read. close() stops a warm-up in progress
   * and waits for what it has started.
   */
  warmUp(options: { repos?: readonly string[]; signal?: AbortSignal } = {}): Promise<WarmUpReport[]> {
    if (!this.settings.memoryCaches) return Promise.resolve([]);
    const signal = options.signal ? AbortSignal.any([options.signal, this.#stop.signal]) : this.#stop.signal;
    return this.#track(this.#warmUp(options.repos, signal));
  }

  async #warmUp(only: readonly string[] | undefined, signal: AbortSignal): Promise<WarmUpReport[]> {
    const options = { signal };
    const catalog = await this.catalog();
    const repos = only ?? (await catalog.listRepos(options)).map((r) => r.repoId);
    const [indexes, chunks] = await Promise.all([this.indexes(), this.chunks()]);
    const reports: WarmUpReport[] = [];
    for (const repo of repos) {
      const started = performance.now();
      const snapshot = await catalog.latestReadySnapshot(repo, options);
      if (!snapshot) continue;
      const ref = { repoId: repo, snapshotId: snapshot.snapshotId };
      const tasks: [string, () => Promise<unknown>][] = indexes.flatMap((index) => (index.warm ? [[index.name, () => index.warm!(ref, options)] as [string, () => Promise<unknown>]] : []));
      const spans = (chunks as ChunkStore & { loadLineSpans?: (ref: SnapshotRef, options?: CallOptions) => Promise<number> }).loadLineSpans;
      if (spans) tasks.push(['chunk spans', () => spans.call(chunks, ref, options)]);
      const failed: { part: string; error: string }[] = [];
      await Promise.all(tasks.map(([part, run]) => run().catch((error: Error) => failed.push({ part, error: error.message }))));
      reports.push({ repo, snapshotId: ref.snapshotId, warmed: tasks.map(([part]) => part).filter((p) => !failed.some((f) => f.part === p)), failed, ms: Math.round(performance.now() - started) });
    }
    return reports;
  }

  /**
   * Reports every component (status, latency, error) within a few seconds. Never throws, and
   * builds nothing that is not built yet except the database connection it has to check.
   */
  async healthCheck(options: { timeoutMs?: number } = {}): Promise<ContainerHealth> {
    const timeoutMs = options.timeoutMs ?? 3000;
    const components: Record<string, ComponentHealth> = {};
    const failed = (error: Error): ComponentHealth => ({ ok: false, configured: true, latencyMs: timeoutMs, error: error.message });
    const started = performance.now();
    components.postgres = await bounded(
      this.postgres().then(async (pg) => ({ ...(await pg.healthCheck({ timeoutMs })), configured: true })),
      timeoutMs,
      (e) => ({ ...failed(e), latencyMs: Math.round(performance.now() - started) }),
    );
    const optional = await bounded(this.#optionalIndexes(), timeoutMs, () => null);
    if (optional) {
      for (const index of [optional.lexical, optional.symbol, optional.vector]) {
        if (!index?.healthCheck) continue;
        components[`${index.name}:${optional.backends[index.name] ?? index.name}`] = await bounded(
          index.healthCheck({}).then((h) => ({ ...h, configured: true })),
          timeoutMs,
          failed,
        );
      }
      for (const d of optional.disabled) components[d.index] = { ok: true, configured: false, latencyMs: 0, details: { reason: d.reason } };
      for (const [name, extra] of Object.entries(optional.extraHealth)) {
        components[name] = await bounded(extra().then((h) => ({ ...h, configured: true })), timeoutMs, failed);
      }
    }
    for (const c of Object.values(components)) c.latencyMs = Math.round(c.latencyMs * 10) / 10;
    return { ok: Object.values(components).every((c) => c.ok), components };
  }

  /**
   * Shuts everything down in reverse order of construction: indexes (Kuzu, clients), then the
   * database pool. Idempotent and bounded: gives up waiting after `timeoutMs` (default 10 s).
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#closing ??= (async () => {
      const timeoutMs = options.timeoutMs ?? 10_000;
      this.#stop.abort();
      let settled = false;
      const work = (async () => {
        // Warm-ups stop, and layers being built finish, before anything closes.
        await Promise.allSettled([...this.#inFlight]);
        // The oldest snapshots that finished index runs left to remove (see Indexer.idle).
        await this.#indexer?.idle();
        // Indexes (Kuzu, clients) first, then the pool they query through.
        await this.#optional?.close().catch(() => undefined);
        await this.#postgres?.close().catch(() => undefined);
      })().finally(() => (settled = true));
      await bounded(work, timeoutMs, () => undefined);
      // The embedded database's lock goes once nothing uses it any more: after `timeoutMs` close
      // stops waiting, but a prune still deleting (or the database still closing) holds it.
      const release = () => this.#releaseLock?.();
      if (settled) release();
      else work.then(release, release);
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Creates a container from the environment plus `overrides` (validated; throws ConfigError).
 * Nothing is opened until a layer is first asked for.
 */
export function createContainer(overrides: TrawlSettingsInput = {}, env: NodeJS.ProcessEnv = process.env): TrawlContainer {
  return new TrawlContainer(loadSettings(overrides, env));
}
