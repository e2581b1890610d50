import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, link, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { AbortedError, ConfigError, InvalidInputError, TrawlError, eachConcurrently, type CallOptions } from '@trawl/core';
import { goQueryEscape } from './zoekt-query.js';

export interface ZoektIndexerOptions {
  /** The folder zoekt-webserver serves (`-index`). Shards are written here. */
  indexDir: string;
  /** Folder holding `zoekt-index` and `zoekt-git-index`. Default: found on PATH. */
  binDir?: string;
  /** ctags binary Zoekt calls for symbol data (Debian: `ctags-universal`). Default: `$CTAGS_COMMAND`, else Zoekt's default. */
  ctagsCommand?: string;
  /** Parallel indexing processes inside one run. Default: Zoekt's (4). */
  parallelism?: number;
  /** Extra environment for the indexer processes. */
  env?: Record<string, string>;
}

export interface ZoektIndexRunOptions extends CallOptions {
  /** Repository name to index under (what searches filter on). Default: the folder's name. */
  name?: string;
  /** Skip ctags (faster; no symbol data). */
  disableCtags?: boolean;
  /** Files larger than this are skipped (bytes). Default: Zoekt's 2 MiB. */
  fileLimitBytes?: number;
  /**
   * Files with more distinct trigrams than this are skipped as generated or minified text (they
   * stay findable by name only). Default: Zoekt's 20 000.
   */
  maxTrigramCount?: number;
}

export interface ZoektGitIndexRunOptions extends ZoektIndexRunOptions {
  /** Branches to index. Default `['HEAD']`. */
  branches?: readonly string[];
  /** Let Zoekt index only what changed since the last build of these branches (`-delta`). */
  delta?: boolean;
}

/** What one indexer run did. */
export interface ZoektIndexRun {
  name: string;
  durationMs: number;
  /** Shard files of this repository after the run. */
  shards: string[];
  /** Files indexed, as the indexer reported them (null when it did not say). */
  filesIndexed: number | null;
  /** Size of the shards on disk. */
  indexBytes: number;
  /** The indexer's log output (Zoekt logs to stderr). */
  log: string;
}

const COMPONENT = 'zoekt';
const DEFAULT_IGNORED_DIRS = ['.git', '.hg', '.svn'];
/** File writes (and directories made) in flight while staging files for zoekt-index. */
const STAGING_CONCURRENCY = 32;

/**
 * Runs Zoekt's indexers (`zoekt-index` for a plain directory, `zoekt-git-index` for a git
 * repository) into the folder a zoekt-webserver serves, and removes a repository's shards.
 * The webserver notices new and removed shards by itself.
 *
 * ```ts
 * const indexer = new ZoektIndexer({ indexDir: '/var/zoekt', binDir: '/opt/zoekt/bin' })
 * const run = await indexer.indexDirectory('/src/web', { name: 'web' })
 * console.log(run.shards, run.durationMs)
 * ```
 */
export class ZoektIndexer {
  readonly indexDir: string;
  readonly #binDir: string | undefined;
  readonly #ctags: string | undefined;
  readonly #parallelism: number | undefined;
  readonly #env: Record<string, string>;

  constructor(options: ZoektIndexerOptions) {
    if (!options.indexDir) throw new ConfigError('indexDir is required: the folder zoekt-webserver serves with -index', { component: COMPONENT });
    this.indexDir = resolve(options.indexDir);
    this.#binDir = options.binDir;
    this.#ctags = options.ctagsCommand ?? process.env.CTAGS_COMMAND;
    this.#parallelism = options.parallelism;
    this.#env = options.env ?? {};
  }

  /**
   * Indexes a plain directory under `name`. zoekt-index names a repository after its folder, so
   * when `name` differs the files are first hard-linked (copied across file systems) into a
   * temporary folder of that name. Such a name cannot contain `/`: encode it (for example with
   * `encodeURIComponent`), or index a git repository, whose name Zoekt reads from git config.
   */
  async indexDirectory(dir: string, options: ZoektIndexRunOptions = {}): Promise<ZoektIndexRun> {
    const root = resolve(dir);
    const info = await stat(root).catch(() => null);
    if (!info?.isDirectory()) throw new InvalidInputError(`cannot index "${dir}": not a directory`, { component: COMPONENT });
    const name = options.name ?? root.split('/').pop()!;
    checkPlainName(name);
    if (root.split('/').pop() === name) return this.#runZoektIndex(root, name, options);
    const staging = await mkdtemp(join(tmpdir(), 'trawl-zoekt-stage-'));
    try {
      const target = join(staging, name);
      await linkTree(root, target, options.signal);
      return await this.#runZoektIndex(target, name, options);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /**
   * Indexes files given in memory (path relative to the repository root, and text) under `name`:
   * they are written to a temporary folder, indexed, and the folder removed.
   */
  async indexFiles(files: Iterable<{ path: string; content: string }>, options: ZoektIndexRunOptions & { name: string }): Promise<ZoektIndexRun> {
    checkPlainName(options.name);
    const staging = await mkdtemp(join(tmpdir(), 'trawl-zoekt-stage-'));
    try {
      const target = join(staging, options.name);
      const writes = new Map<string, string>(); // (a path given twice: the last text, as one at a time wrote it)
      const parents = new Set<string>();
      for (const file of files) {
        const rel = file.path.replace(/^\/+/, '');
        if (!rel || rel.split('/').some((p) => p === '..' || p === '.' || p === '')) {
          throw new InvalidInputError(`cannot index file path "${file.path}": use a relative path without . or .. segments`, { component: COMPONENT });
        }
        const path = join(target, rel);
        parents.add(dirname(path));
        writes.set(path, file.content);
      }
      // Many writes in flight: one at a time, each waited for a turn of an event loop that the
      // other writers of an index run keep busy (10k files of a services full index: zoekt-index
      // started 20 s into the write phase).
      const aborted = () => {
        if (options.signal?.aborted) throw new AbortedError('indexing aborted while writing files', { component: COMPONENT });
      };
      await mkdir(target);
      await eachConcurrently([...parents], STAGING_CONCURRENCY, async (dir) => {
        aborted();
        await mkdir(dir, { recursive: true });
      });
      await eachConcurrently([...writes], STAGING_CONCURRENCY, async ([path, content]) => {
        aborted();
        await writeFile(path, content);
      });
      aborted();
      return await this.#runZoektIndex(target, options.name, options);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /**
   * Indexes a git repository (a work tree or bare repository) with zoekt-git-index. The name is
   * set through the repository's `zoekt.name` git setting, Zoekt's own way to name a git index.
   */
  async indexGitRepository(repoDir: string, options: ZoektGitIndexRunOptions = {}): Promise<ZoektIndexRun> {
    const root = resolve(repoDir);
    if (options.name !== undefined) {
      if (!options.name || /[\0\n]/.test(options.name)) throw new InvalidInputError(`invalid repository name "${options.name}"`, { component: COMPONENT });
      await runProcess('git', ['-C', root, 'config', 'zoekt.name', options.name], { signal: options.signal, what: 'git config zoekt.name' });
    }
    const name = options.name ?? root.replace(/\/\.git$/, '').split('/').pop()!.replace(/\.git$/, '');
    const args = [...this.#commonArgs(options), '-branches', (options.branches ?? ['HEAD']).join(','), '-incremental=false'];
    if (options.delta) args.push('-delta');
    args.push(root);
    return this.#run('zoekt-git-index', args, name, options);
  }

  /** Deletes every shard (and `.meta` file) of a repository. Returns the files removed. */
  async removeRepository(name: string, options: CallOptions = {}): Promise<string[]> {
    if (options.signal?.aborted) throw new AbortedError('removing shards aborted', { component: COMPONENT });
    const shards = await this.listShards(name);
    for (const shard of shards) {
      await rm(shard, { force: true });
      await rm(`${shard}.meta`, { force: true });
    }
    return shards;
  }

  /** The shard files of a repository in the index folder. */
  async listShards(name: string): Promise<string[]> {
    const prefix = `${shardPrefix(name)}_v`;
    const entries = await readdir(this.indexDir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    return entries
      .filter((f) => f.startsWith(prefix) && /^_v\d+\.\d{5}\.zoekt$/.test(f.slice(prefix.length - 2)))
      .sort()
      .map((f) => join(this.indexDir, f));
  }

  #commonArgs(options: ZoektIndexRunOptions): string[] {
    const args = ['-index', this.indexDir];
    if (options.disableCtags) args.push('-disable_ctags');
    if (options.fileLimitBytes !== undefined) args.push('-file_limit', String(Math.floor(options.fileLimitBytes)));
    if (options.maxTrigramCount !== undefined) args.push('-max_trigram_count', String(Math.floor(options.maxTrigramCount)));
    if (this.#parallelism !== undefined) args.push('-parallelism', String(this.#parallelism));
    return args;
  }

  #runZoektIndex(dir: string, name: string, options: ZoektIndexRunOptions): Promise<ZoektIndexRun> {
    return this.#run('zoekt-index', [...this.#commonArgs(options), '-ignore_dirs', DEFAULT_IGNORED_DIRS.join(','), dir], name, options);
  }

  async #run(binary: string, args: string[], name: string, options: ZoektIndexRunOptions): Promise<ZoektIndexRun> {
    await mkdir(this.indexDir, { recursive: true });
    const started = performance.now();
    const command = this.#binDir ? join(this.#binDir, binary) : binary;
    const env: Record<string, string> = { ...(process.env as Record<string, string>), ...this.#env };
    if (this.#ctags) env.CTAGS_COMMAND = this.#ctags;
    const log = await runProcess(command, args, { signal: options.signal, env, what: binary });
    const shards = await this.listShards(name);
    if (shards.length === 0) {
      throw new TrawlError('BACKEND_ERROR', `${binary} finished but wrote no shard for "${name}" in ${this.indexDir}. Its log:\n${tail(log)}`, {
        component: COMPONENT,
        context: { name },
      });
    }
    let indexBytes = 0;
    for (const shard of shards) indexBytes += (await stat(shard)).size;
    const processed = [...log.matchAll(/(\d+) files processed/g)].reduce((n, m) => n + Number(m[1]), 0);
    return { name, durationMs: performance.now() - started, shards, filesIndexed: /files processed/.test(log) ? processed : null, indexBytes, log };
  }
}

/** The file-name prefix Zoekt gives a repository's shards (`build.Options.shardName`). */
export function shardPrefix(name: string): string {
  const escaped = goQueryEscape(name);
  if (escaped.length <= 200) return escaped;
  return escaped.slice(0, 200) + createHash('sha1').update(escaped).digest('hex').slice(0, 8);
}

function checkPlainName(name: string): void {
  if (!name || name === '.' || name === '..' || /[/\0]/.test(name)) {
    throw new InvalidInputError(`invalid repository name "${name}" for zoekt-index: it names a folder, so it cannot be empty, . or .., or contain "/" (encode such names, e.g. with encodeURIComponent)`, {
      component: COMPONENT,
    });
  }
}

async function linkTree(from: string, to: string, signal?: AbortSignal): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (signal?.aborted) throw new AbortedError('indexing aborted while staging files', { component: COMPONENT });
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) {
      if (DEFAULT_IGNORED_DIRS.includes(entry.name)) continue;
      await linkTree(source, target, signal);
    } else if (entry.isFile()) {
      await link(source, target).catch(() => copyFile(source, target));
    }
  }
}

function tail(text: string, lines = 30): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/** Runs a process to completion; a non-zero exit becomes an error carrying its output. */
function runProcess(command: string, args: string[], options: { signal?: AbortSignal; env?: Record<string, string>; what: string }): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    if (options.signal?.aborted) {
      reject(new AbortedError(`${options.what} aborted before it started`, { component: COMPONENT }));
      return;
    }
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const onAbort = () => child.kill('SIGTERM');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error: NodeJS.ErrnoException) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (error.code === 'ENOENT') {
        reject(new ConfigError(`cannot run ${command}: not found. Install Zoekt (tools/services/zoekt.sh builds it) and pass binDir`, { component: COMPONENT, cause: error }));
      } else {
        reject(new TrawlError('BACKEND_ERROR', `cannot run ${command}: ${error.message}`, { component: COMPONENT, cause: error }));
      }
    });
    child.on('close', (code, signal) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (options.signal?.aborted) {
        reject(new AbortedError(`${options.what} aborted`, { component: COMPONENT }));
      } else if (code !== 0) {
        reject(
          new TrawlError('BACKEND_ERROR', `${options.what} failed (${code === null ? `signal ${signal}` : `exit code ${code}`}):\n${tail(output)}`, {
            component: COMPONENT,
            context: { exitCode: code, stderr: tail(output, 200) },
          }),
        );
      } else {
        resolvePromise(output);
      }
    });
  });
}
