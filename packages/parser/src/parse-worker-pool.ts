import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  AbortedError,
  BackendUnavailableError,
  ConfigError,
  InvalidInputError,
  NotFoundError,
  TimeoutError,
  TrawlError,
  type CallOptions,
  type TrawlErrorCode,
} from '@trawl/core';
import type { ParseFileInput, ParsedFile } from './file-parser.js';
import { isGrammarLanguage, type GrammarLanguage } from './languages.js';
import { decodeRelations, type WorkerErrorData, type WorkerReply, type WorkerRequest } from './parse-worker-protocol.js';

export interface ParseWorkerPoolOptions {
  /** Worker threads. Default `os.availableParallelism()`. */
  size?: number;
}

export interface ParseAllOptions extends CallOptions {
  /** Called on the main thread as each file comes back (in completion order, not input order). */
  onParsed?: (index: number, parsed: ParsedFile) => void;
}

/** Where the worker entry is, and how to start it; or why workers cannot be used here. */
export type WorkerEntry =
  | { ok: true; /** The worker file. */ url: URL; /** Set when the worker starts from this script (`eval`) that loads `url`. */ bootstrap?: string; /** Variables the worker gets on top of `process.env`. */ env: Record<string, string> }
  | { ok: false; reason: string };

/**
 * Files queued at a worker before its earlier ones come back, so it does not wait while the main
 * thread is busy (a major GC of a heap holding a large repository's results takes a while).
 */
const IN_FLIGHT_PER_WORKER = 4;

/**
 * Parses files on worker threads with `parseFile` and returns the results in input order,
 * exactly what parsing them one by one on the calling thread returns (parsing a file depends on
 * nothing but its input). Each worker loads web-tree-sitter and the grammars it needs once.
 * Workers start on the first {@link parseAll} and stop on {@link close}, on abort, and on the
 * first error (which is rethrown as a `TrawlError`).
 *
 * The worker entry is `parse-worker.js` / `.cjs` next to the built package, or `parse-worker.ts`
 * when running from source (loaded through `tsx`'s register API). {@link ParseWorkerPool.entry} says
 * when neither works (for example when the package was bundled into one file); `parseRepository`
 * then parses on the calling thread.
 *
 * ```ts
 * await using pool = new ParseWorkerPool({ size: 2 })
 * const parsed = await pool.parseAll(files.map((f) => ({ repoId, snapshotId, path: f.path, content: f.content })), { signal })
 * ```
 */
export class ParseWorkerPool {
  readonly size: number;
  readonly #workers: Worker[] = [];
  #closed = false;
  #failure: Error | null = null;
  /** The running parseAll: where replies and worker failures go. */
  #run: { onReply: (worker: Worker, reply: WorkerReply) => void; fail: (error: Error) => void } | null = null;

  constructor(options: ParseWorkerPoolOptions = {}) {
    const size = options.size ?? availableParallelism();
    if (!Number.isInteger(size) || size < 1) {
      throw new ConfigError(`parse worker pool size must be a positive integer, got ${size}; use threads: 0 to parse on the calling thread`, { component: 'parser' });
    }
    this.size = size;
  }

  /** Resolves the worker entry for the code that is running (built ESM, built CJS or TypeScript source). */
  static entry(): WorkerEntry {
    return resolveWorkerEntry(import.meta.url);
  }

  /**
   * Starts the workers and has them load the grammars of these languages (web-tree-sitter, wasm
   * compilation) while the caller does something else, such as reading the files. Optional: a
   * worker loads what it needs on its first file anyway. Never throws; a failure to start shows
   * in the next {@link parseAll}.
   */
  warm(languages: Iterable<string | null>): void {
    if (this.#closed || this.#failure) return;
    const entry = ParseWorkerPool.entry();
    if (!entry.ok) return;
    const grammars = [...new Set([...languages].filter((l): l is GrammarLanguage => isGrammarLanguage(l)))];
    try {
      while (this.#workers.length < this.size) this.#start(entry);
    } catch (error) {
      this.#failed(new BackendUnavailableError(`parse workers cannot start: ${(error as Error).message}`, { component: 'parser', cause: error }));
      return;
    }
    const request: WorkerRequest = { id: -1, warm: grammars };
    for (const w of this.#workers) w.postMessage(request);
  }

  /**
   * Parses every input (null entries are skipped and stay null) and returns the results in input
   * order. One call at a time per pool.
   */
  async parseAll(inputs: readonly (ParseFileInput | null)[], options: ParseAllOptions = {}): Promise<(ParsedFile | null)[]> {
    const { signal, onParsed } = options;
    if (this.#closed) throw new InvalidInputError('this parse worker pool is closed; create a new one', { component: 'parser' });
    if (this.#failure) throw this.#failure;
    if (this.#run) throw new InvalidInputError('this parse worker pool is already parsing; await the running parseAll first', { component: 'parser' });
    if (signal?.aborted) throw new AbortedError('operation aborted', { component: 'parser', cause: signal.reason });
    const results: (ParsedFile | null)[] = new Array(inputs.length).fill(null);
    const todo: number[] = [];
    for (let i = 0; i < inputs.length; i++) if (inputs[i]) todo.push(i);
    if (!todo.length) return results;

    const entry = ParseWorkerPool.entry();
    if (!entry.ok) throw new BackendUnavailableError(`parse workers cannot start: ${entry.reason}; use threads: 0 to parse on the calling thread`, { component: 'parser' });
    try {
      return await new Promise<(ParsedFile | null)[]>((resolve, reject) => {
        let next = 0;
        let done = 0;
        let settled = false;
        const fail = (error: Error) => {
          if (settled) return;
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          void this.close().finally(() => reject(error));
        };
        const onAbort = () => fail(new AbortedError('operation aborted', { component: 'parser', cause: signal?.reason }));
        signal?.addEventListener('abort', onAbort, { once: true });

        const send = (worker: Worker) => {
          if (settled || next >= todo.length) return;
          const index = todo[next++]!;
          const request: WorkerRequest = { id: index, input: inputs[index]! };
          worker.postMessage(request);
        };
        const onReply = (worker: Worker, reply: WorkerReply) => {
          if (settled) return;
          const input = inputs[reply.id]!;
          if (reply.error) {
            fail(workerError(reply.error, input.path));
            return;
          }
          const parsed = reply.parsed;
          parsed.file.content = input.content;
          parsed.relations = decodeRelations(reply.relations, parsed.file.path);
          results[reply.id] = parsed;
          done++;
          try {
            onParsed?.(reply.id, parsed);
          } catch (error) {
            fail(error as Error);
            return;
          }
          if (done === todo.length) {
            settled = true;
            signal?.removeEventListener('abort', onAbort);
            resolve(results);
            return;
          }
          send(worker);
        };
        this.#run = { onReply, fail };

        try {
          while (this.#workers.length < Math.min(this.size, todo.length)) this.#start(entry);
          for (const worker of this.#workers) for (let k = 0; k < IN_FLIGHT_PER_WORKER; k++) send(worker);
        } catch (error) {
          fail(error instanceof TrawlError ? error : new BackendUnavailableError(`parse workers cannot start: ${(error as Error).message}`, { component: 'parser', cause: error }));
        }
      });
    } finally {
      this.#run = null;
    }
  }

  #start(entry: Extract<WorkerEntry, { ok: true }>): Worker {
    const name = `trawl-parse-${this.#workers.length + 1}`;
    const env = { ...process.env, ...entry.env };
    const worker = entry.bootstrap ? new Worker(entry.bootstrap, { eval: true, env, name }) : new Worker(entry.url, { env, name });
    worker.on('message', (reply: WorkerReply) => this.#run?.onReply(worker, reply));
    worker.on('error', (error) => this.#failed(new BackendUnavailableError(`a parse worker failed: ${error.message}; use threads: 0 to parse on the calling thread`, { component: 'parser', cause: error })));
    worker.on('exit', (code) => this.#failed(new BackendUnavailableError(`a parse worker exited with code ${code} before the pool was closed`, { component: 'parser', context: { code } })));
    this.#workers.push(worker);
    return worker;
  }

  /** A worker died: the running parse (or else the next) fails with this error. */
  #failed(error: Error): void {
    if (this.#closed) return;
    this.#failure ??= error;
    this.#run?.fail(error);
  }

  /** Stops every worker. Idempotent; the pool cannot be used afterwards. */
  async close(): Promise<void> {
    this.#closed = true;
    const workers = this.#workers.splice(0);
    for (const w of workers) w.removeAllListeners('exit').removeAllListeners('error').removeAllListeners('message');
    await Promise.all(workers.map((w) => w.terminate()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

const ERROR_CLASSES: Partial<Record<TrawlErrorCode, new (message: string, options?: ConstructorParameters<typeof TrawlError>[2]) => TrawlError>> = {
  CONFIG: ConfigError,
  INVALID_INPUT: InvalidInputError,
  NOT_FOUND: NotFoundError,
  BACKEND_UNAVAILABLE: BackendUnavailableError,
  TIMEOUT: TimeoutError,
  ABORTED: AbortedError,
};

/** Rebuilds an error a worker reported: a TrawlError keeps its class and code; anything else is INTERNAL. */
function workerError(data: WorkerErrorData, path: string): TrawlError {
  const options = { component: data.component ?? 'parser', context: { ...data.context, path }, cause: Object.assign(new Error(data.message), { name: data.name, stack: data.stack }) };
  const Class = data.code ? ERROR_CLASSES[data.code as TrawlErrorCode] : undefined;
  if (Class) return new Class(data.message, options);
  if (data.code) return new TrawlError(data.code as TrawlErrorCode, data.message, options);
  return new TrawlError('INTERNAL', `parsing ${path} failed in a worker: ${data.name}: ${data.message}`, options);
}

/**
 * The worker entry next to the module that is running: `parse-worker.js` beside the ESM build,
 * `parse-worker.cjs` beside the CJS build, `parse-worker.ts` beside the source. Source (this
 * repository's tests and tsx scripts) needs a TypeScript loader inside the worker: a bootstrap
 * script registers `tsx` there (a `--import tsx` flag does not reach workers on Node 20), with
 * the workspace tsconfig that maps `@trawl/*` to source (TSX_TSCONFIG_PATH, else the nearest
 * `tools/tsconfig.check.json` above).
 */
export function resolveWorkerEntry(moduleUrl: string): WorkerEntry {
  if (!moduleUrl.startsWith('file:')) return { ok: false, reason: `the parser was loaded from ${moduleUrl}, not from a file` };
  const ext = /\.(c?js|mjs|ts|mts|cts)$/.exec(new URL(moduleUrl).pathname)?.[1];
  if (!ext) return { ok: false, reason: `cannot tell how the parser was built from ${moduleUrl}` };
  const url = new URL(`./parse-worker.${ext}`, moduleUrl);
  if (!existsSync(fileURLToPath(url))) return { ok: false, reason: `${fileURLToPath(url)} does not exist (was @trawl/parser bundled into another file?)` };
  if (!ext.endsWith('ts')) return { ok: true, url, env: {} };
  let tsxApi: string;
  try {
    tsxApi = pathToFileURL(createRequire(moduleUrl).resolve('tsx/esm/api')).href;
  } catch {
    return { ok: false, reason: 'running from TypeScript source needs the tsx loader for workers, and tsx is not installed' };
  }
  const env: Record<string, string> = {};
  if (!process.env.TSX_TSCONFIG_PATH) {
    for (let dir = dirname(fileURLToPath(moduleUrl)); ; dir = dirname(dir)) {
      const candidate = join(dir, 'tools', 'tsconfig.check.json');
      if (existsSync(candidate)) {
        env.TSX_TSCONFIG_PATH = candidate;
        break;
      }
      if (dirname(dir) === dir) break;
    }
  }
  const bootstrap = [
    `import(${JSON.stringify(tsxApi)})`,
    `.then((tsx) => { tsx.register(process.env.TSX_TSCONFIG_PATH ? { tsconfig: process.env.TSX_TSCONFIG_PATH } : {}); return import(${JSON.stringify(url.href)}); })`,
    // An error here would otherwise be an unhandled rejection: make it the worker's error event.
    `.catch((error) => { setImmediate(() => { throw error; }); });`,
  ].join('');
  return { ok: true, url, bootstrap, env };
}
