import { Pool, type Dispatcher } from 'undici';
import {
  AbortedError,
  BackendUnavailableError,
  ConfigError,
  InvalidQueryError,
  TimeoutError,
  TrawlError,
  isTrawlError,
  type CallOptions,
  type HealthStatus,
} from '@trawl/core';
import { writeZoektQuery, type ZoektQuerySpec } from './zoekt-query.js';
import { decodeListResponse, decodeSearchResponse } from './zoekt-response-decoder.js';
import type { ZoektRepository, ZoektSearchResult } from './zoekt-types.js';

/** The structural subset of an undici dispatcher the client uses (inject a Pool, Agent or MockAgent). */
export type ZoektDispatcher = Pick<Dispatcher, 'request' | 'close'>;

export interface ZoektClientOptions {
  /** Base URL of a zoekt-webserver started with `-rpc`, e.g. `http://127.0.0.1:6070`. */
  url: string;
  /** Client-side budget for one request, in ms. Default 30 000. */
  timeoutMs?: number;
  /** An undici dispatcher, or a factory called once on first use. Default: a keep-alive Pool on `url`. */
  dispatcher?: ZoektDispatcher | (() => ZoektDispatcher);
}

export interface ZoektSearchOptions extends Omit<ZoektQuerySpec, 'pattern'>, CallOptions {
  /** Send the query as written in Zoekt's own query language (`regex`, filters... are then ignored). */
  raw?: boolean;
  /** At most this many files. Default: Zoekt's (unbounded). */
  maxDocuments?: number;
  /** At most this many matches across files. Default: Zoekt's (unbounded). */
  maxMatches?: number;
  /**
   * At most this many matched lines in the response, taken from the best-ranked files first
   * (Zoekt's MaxMatchDisplayCount). Default: `maxMatches`. Lower it to collect and rank on
   * `maxMatches` matches while receiving fewer.
   */
  maxLines?: number;
  /** Lines of context before and after each match. Default 0. */
  contextLines?: number;
  /** Zoekt's own time budget, in ms: past it Zoekt answers with what it found (`partial`). */
  maxWallTimeMs?: number;
  /** Client timeout for this call, in ms (default: the client's). */
  timeoutMs?: number;
  /** Return each matching file's whole content (`ZoektFileMatch.content`). */
  wholeFiles?: boolean;
}

const COMPONENT = 'zoekt';

/**
 * A typed client for zoekt-webserver's JSON API (`-rpc`): literal and regex search with
 * repository, language and file filters, repository listing, and readiness. Connections are
 * opened on first use; `close()` is idempotent.
 *
 * ```ts
 * await using zoekt = new ZoektClient({ url: 'http://127.0.0.1:6070' })
 * const result = await zoekt.search('parseConfig(', { repositories: ['web'], contextLines: 1 })
 * for (const file of result.files) for (const m of file.matches) console.log(file.fileName, m.line, m.text)
 * ```
 */
export class ZoektClient implements AsyncDisposable {
  readonly url: string;
  readonly timeoutMs: number;
  readonly #origin: string;
  readonly #basePath: string;
  #dispatcher: ZoektDispatcher | undefined;
  #factory: (() => ZoektDispatcher) | undefined;
  #ownsDispatcher: boolean;
  #closed = false;

  constructor(options: ZoektClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.url);
    } catch (cause) {
      throw new ConfigError(`invalid Zoekt URL "${options.url}": expected http://host:port`, { component: COMPONENT, cause });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new ConfigError(`invalid Zoekt URL "${options.url}": the protocol must be http or https`, { component: COMPONENT });
    }
    this.#origin = parsed.origin;
    this.#basePath = parsed.pathname.replace(/\/+$/, '');
    this.url = this.#origin + this.#basePath;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    if (!(this.timeoutMs > 0)) throw new ConfigError(`timeoutMs must be positive, got ${options.timeoutMs}`, { component: COMPONENT });
    if (typeof options.dispatcher === 'function') {
      this.#factory = options.dispatcher;
      this.#ownsDispatcher = false;
    } else if (options.dispatcher) {
      this.#dispatcher = options.dispatcher;
      this.#ownsDispatcher = false;
    } else {
      this.#factory = () => new Pool(parsed.origin, { connections: 16, keepAliveTimeout: 10_000 });
      this.#ownsDispatcher = true;
    }
  }

  #getDispatcher(): ZoektDispatcher {
    if (this.#closed) throw new TrawlError('INTERNAL', 'the Zoekt client is closed: create a new one', { component: COMPONENT });
    this.#dispatcher ??= this.#factory!();
    return this.#dispatcher;
  }

  /**
   * Searches file contents. `query` is literal text unless `regex` (RE2) or `raw` (Zoekt's query
   * language) is set. Case is ignored unless `caseSensitive` is set. The request is written to
   * the connection before this returns its promise, so a caller can prepare other work while
   * Zoekt searches.
   */
  async search(query: string, options: ZoektSearchOptions = {}): Promise<ZoektSearchResult> {
    const q = options.raw ? query : writeZoektQuery(query, options);
    if (options.raw && query.trim() === '') throw new InvalidQueryError('empty query: pass the text or regex to search for', { component: COMPONENT });
    const opts: Record<string, unknown> = {};
    if (options.maxDocuments !== undefined) opts.MaxDocDisplayCount = positiveInt(options.maxDocuments, 'maxDocuments');
    if (options.maxMatches !== undefined) {
      const n = positiveInt(options.maxMatches, 'maxMatches');
      opts.MaxMatchDisplayCount = n;
      // Zoekt stops collecting per shard / in total at these; without them a broad query loads everything.
      opts.ShardMaxMatchCount = n;
      opts.TotalMaxMatchCount = n;
    }
    if (options.maxLines !== undefined) opts.MaxMatchDisplayCount = positiveInt(options.maxLines, 'maxLines');
    if (options.contextLines) opts.NumContextLines = Math.max(0, Math.floor(options.contextLines));
    if (options.maxWallTimeMs !== undefined) opts.MaxWallTime = Math.max(1, Math.round(options.maxWallTimeMs * 1e6));
    if (options.wholeFiles) opts.Whole = true;
    const body = await this.#post('/api/search', { Q: q, Opts: opts }, options);
    return decodeSearchResponse(body, q);
  }

  /** The repositories the webserver has loaded, optionally filtered by a Zoekt query (`repo:^web$`). */
  async listRepositories(options: CallOptions & { query?: string; timeoutMs?: number } = {}): Promise<ZoektRepository[]> {
    const body = await this.#post('/api/list', { Q: options.query ?? '' }, options);
    return decodeListResponse(body);
  }

  /** True when the webserver answers its health endpoint with 200 (it has loaded its shards). Never throws. */
  async ready(options: CallOptions & { timeoutMs?: number } = {}): Promise<boolean> {
    return (await this.healthCheck(options)).ok;
  }

  /** Health for the container's report. Never throws. */
  async healthCheck(options: CallOptions & { timeoutMs?: number } = {}): Promise<HealthStatus> {
    const started = performance.now();
    try {
      const { statusCode, body } = await this.#request('GET', '/healthz', undefined, { ...options, timeoutMs: options.timeoutMs ?? 5_000 });
      const text = await body.text();
      const latencyMs = performance.now() - started;
      if (statusCode === 200) return { ok: true, latencyMs, details: { url: this.url } };
      return { ok: false, latencyMs, error: `zoekt-webserver answered ${statusCode}: ${text.slice(0, 200)}`, details: { url: this.url } };
    } catch (error) {
      return { ok: false, latencyMs: performance.now() - started, error: error instanceof Error ? error.message : String(error), details: { url: this.url } };
    }
  }

  async #post(path: string, payload: unknown, options: CallOptions & { timeoutMs?: number }): Promise<unknown> {
    const { statusCode, body } = await this.#request('POST', path, JSON.stringify(payload), options);
    let text: string;
    try {
      text = await body.text();
    } catch (error) {
      throw this.#translate(error, { ...options, timeoutMs: options.timeoutMs ?? this.timeoutMs }, path);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      if (statusCode === 404) {
        throw new TrawlError('BACKEND_ERROR', `zoekt-webserver at ${this.url} has no ${path}: start it with -rpc to enable the JSON API`, { component: COMPONENT, context: { statusCode } });
      }
      throw new TrawlError('BACKEND_ERROR', `zoekt-webserver answered ${statusCode} with a body that is not JSON: ${text.slice(0, 200)}`, { component: COMPONENT, context: { statusCode } });
    }
    const error = typeof parsed === 'object' && parsed !== null && typeof (parsed as { Error?: unknown }).Error === 'string' ? (parsed as { Error: string }).Error : undefined;
    if (statusCode === 400) {
      throw new InvalidQueryError(`Zoekt rejected the query: ${error ?? text.slice(0, 200)}`, { component: COMPONENT, context: { statusCode } });
    }
    if (statusCode >= 400 || error !== undefined) {
      const message = error ?? text.slice(0, 200);
      if (/context deadline exceeded/i.test(message)) {
        throw new TimeoutError(`Zoekt ran out of time: ${message}. Narrow the query or raise maxWallTimeMs.`, { component: COMPONENT, context: { statusCode } });
      }
      throw new TrawlError('BACKEND_ERROR', `zoekt-webserver ${path} failed with ${statusCode}: ${message}`, { component: COMPONENT, context: { statusCode } });
    }
    return parsed;
  }

  async #request(method: 'GET' | 'POST', path: string, body: string | undefined, options: CallOptions & { timeoutMs?: number }) {
    if (options.signal?.aborted) throw new AbortedError(`Zoekt ${path} aborted before it started`, { component: COMPONENT, cause: options.signal.reason });
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    try {
      // undici's own timeouts (answer headers, then each gap in the body) rather than a timer
      // signal per request: a selective search costs a fraction of a millisecond all told.
      return await this.#getDispatcher().request({
        origin: this.#origin,
        path: this.#basePath + path,
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body,
        signal: options.signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
    } catch (error) {
      throw this.#translate(error, { ...options, timeoutMs }, path);
    }
  }

  #translate(error: unknown, options: CallOptions & { timeoutMs?: number }, path: string): TrawlError {
    if (isTrawlError(error)) return error;
    if (options.signal?.aborted) return new AbortedError(`Zoekt ${path} aborted`, { component: COMPONENT, cause: error });
    if ((error as { code?: string })?.code === 'UND_ERR_HEADERS_TIMEOUT' || (error as { code?: string })?.code === 'UND_ERR_BODY_TIMEOUT') {
      return new TimeoutError(`Zoekt ${path} did not answer within ${options.timeoutMs} ms: raise timeoutMs or narrow the query`, { component: COMPONENT, cause: error });
    }
    const code = (error as { code?: string })?.code ?? (error as { cause?: { code?: string } })?.cause?.code;
    if (code && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE|UND_ERR_SOCKET|UND_ERR_CLOSED)$/.test(code)) {
      return new BackendUnavailableError(`cannot reach zoekt-webserver at ${this.url} (${code}): is it running, started with -rpc?`, { component: COMPONENT, cause: error });
    }
    return new TrawlError('BACKEND_ERROR', `Zoekt ${path} failed: ${error instanceof Error ? error.message : String(error)}`, { component: COMPONENT, cause: error });
  }

  /** Closes the connections this client opened. Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const dispatcher = this.#dispatcher;
    this.#dispatcher = undefined;
    if (dispatcher && this.#ownsDispatcher) await dispatcher.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function positiveInt(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) throw new InvalidQueryError(`${name} must be a positive integer, got ${value}`, { component: COMPONENT });
  return value;
}
