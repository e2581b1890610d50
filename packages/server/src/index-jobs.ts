import { randomUUID } from 'node:crypto';
import { ConflictError, NotFoundError, isTrawlError } from '@trawl/core';
import type { IndexProgressEvent, IndexRepositoryResult, Indexer } from '@trawl/retrieval';

export type IndexRunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

/** One index run started through the API, as the status endpoint reports it. */
export interface IndexRun {
  id: string;
  repo: string;
  root: string;
  status: IndexRunStatus;
  createdAt: Date;
  finishedAt: Date | null;
  /** The latest progress event. */
  progress: (IndexProgressEvent & { seq: number }) | null;
  /** The most recent events (at most 200), each with a sequence number for `?since=` polling. */
  events: (IndexProgressEvent & { seq: number })[];
  lastSeq: number;
  result: IndexRepositoryResult | null;
  error: { code: string; message: string } | null;
}

const KEEP_EVENTS = 200;
const KEEP_FINISHED = 100;

/**
 * Index runs of the HTTP API: at most one running per repository (a second gets ConflictError),
 * progress kept for polling, finished runs remembered (the last 100) until the process exits.
 */
export class IndexJobs {
  readonly #runs = new Map<string, IndexRun>();
  readonly #controllers = new Map<string, AbortController>();
  readonly #done = new Map<string, Promise<void>>();
  readonly #indexer: () => Promise<Indexer>;

  constructor(indexer: () => Promise<Indexer>) {
    this.#indexer = indexer;
  }

  /** Starts indexing `root` as `repo`; returns at once with the run (status `running`). */
  start(repo: string, root: string, options: { full?: boolean } = {}): IndexRun {
    for (const run of this.#runs.values()) {
      if (run.repo === repo && run.status === 'running') {
        throw new ConflictError(`repository "${repo}" is already being indexed by run ${run.id}: poll GET /v1/index-runs/${run.id} and start again when it finishes`, {
          component: 'server',
          context: { runId: run.id },
        });
      }
    }
    const run: IndexRun = { id: randomUUID(), repo, root, status: 'running', createdAt: new Date(), finishedAt: null, progress: null, events: [], lastSeq: 0, result: null, error: null };
    const controller = new AbortController();
    this.#runs.set(run.id, run);
    this.#controllers.set(run.id, controller);
    const onProgress = (event: IndexProgressEvent) => {
      const withSeq = { ...event, seq: ++run.lastSeq };
      run.progress = withSeq;
      run.events.push(withSeq);
      if (run.events.length > KEEP_EVENTS) run.events.splice(0, run.events.length - KEEP_EVENTS);
    };
    const done = (async () => {
      try {
        const indexer = await this.#indexer();
        run.result = await indexer.indexRepository({ repoId: repo, root, incremental: options.full ? false : undefined, signal: controller.signal, onProgress });
        run.status = 'succeeded';
      } catch (error) {
        run.status = controller.signal.aborted ? 'cancelled' : 'failed';
        run.error = isTrawlError(error) ? { code: error.code, message: error.detail } : { code: 'INTERNAL', message: (error as Error)?.message ?? String(error) };
      } finally {
        run.finishedAt = new Date();
        this.#controllers.delete(run.id);
        this.#done.delete(run.id);
        this.#prune();
      }
    })();
    this.#done.set(run.id, done);
    return run;
  }

  get(id: string): IndexRun {
    const run = this.#runs.get(id);
    if (!run) throw new NotFoundError(`no index run "${id}": runs are kept in memory until the server restarts; list them with GET /v1/index-runs`, { component: 'server' });
    return run;
  }

  list(): IndexRun[] {
    return [...this.#runs.values()].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  }

  /** Asks a running run to stop; the snapshot it was building is marked failed. */
  cancel(id: string): IndexRun {
    const run = this.get(id);
    this.#controllers.get(id)?.abort(new Error('cancelled through the API'));
    return run;
  }

  /** Whether a run is in progress for this repository. */
  isRunning(repo: string): boolean {
    return [...this.#runs.values()].some((r) => r.repo === repo && r.status === 'running');
  }

  /** Cancels every running run and waits for them to stop (server shutdown). */
  async stopAll(): Promise<void> {
    for (const controller of this.#controllers.values()) controller.abort(new Error('the server is shutting down'));
    await Promise.allSettled([...this.#done.values()]);
  }

  #prune(): void {
    const finished = [...this.#runs.values()].filter((r) => r.status !== 'running').sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    for (const run of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.#runs.delete(run.id);
  }
}
