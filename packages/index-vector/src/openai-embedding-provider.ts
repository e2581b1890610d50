import {
  AbortedError,
  BackendUnavailableError,
  ConfigError,
  TimeoutError,
  TrawlError,
  eachConcurrently,
  throwIfAborted,
  type CallOptions,
  type EmbeddingProvider,
} from '@trawl/core';
import type { Dispatcher } from 'undici';
import { abortableSleep } from './abortable-sleep.js';

const COMPONENT = 'embeddings';

export interface OpenAIEmbeddingProviderOptions {
  /** API root that serves `POST {baseUrl}/embeddings`: `https://api.openai.com/v1`, `http://localhost:11434/v1` (Ollama), a vLLM / TEI / LM Studio server. */
  baseUrl: string;
  model: string;
  /** Length of the vectors the model returns; checked on every response. */
  dimensions: number;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Ask the server for `dimensions` (models with adjustable output size, e.g. text-embedding-3-*). Default false. */
  sendDimensions?: boolean;
  /** Texts per request. Default 2048 (OpenAI's cap); many local servers want far fewer (TEI: 32). */
  batchSize?: number;
  /** Characters per request, to stay under token limits. Default 400 000. */
  maxBatchChars?: number;
  /** Characters kept of each text. Default 24 000. */
  maxTextChars?: number;
  /** Requests in flight at once. Default 2. */
  concurrency?: number;
  /** Retries of a request after 429, 5xx, timeouts and connection errors. Default 5. */
  maxRetries?: number;
  /** First backoff in ms, doubled per retry with jitter. Default 500. */
  retryBaseMs?: number;
  /** Longest wait between retries, Retry-After included. Default 30 000. */
  maxRetryDelayMs?: number;
  /** Start at most this many requests per minute (spaced evenly). Default: no limit beyond `concurrency`. */
  requestsPerMinute?: number;
  /** Per-request timeout in ms. Default 60 000. */
  timeoutMs?: number;
  headers?: Record<string, string>;
  /** An undici dispatcher (Agent, Pool, ProxyAgent); default: a keep-alive Agent created on first use. */
  dispatcher?: Dispatcher;
}

interface EmbeddingResponse {
  data?: { index?: number; embedding?: unknown }[];
  error?: { message?: string };
}

/**
 * An {@link EmbeddingProvider} for any server that speaks the OpenAI embeddings API (OpenAI,
 * Azure-compatible gateways, Ollama, vLLM, Text Embeddings Inference, LM Studio) over undici.
 * Batches by count and size, runs a few requests in parallel, retries 429 / 5xx / timeouts with
 * exponential backoff honouring `Retry-After`, and checks every vector's dimension.
 *
 * ```ts
 * const embedder = new OpenAIEmbeddingProvider({ baseUrl: 'http://localhost:11434/v1', model: 'nomic-embed-text', dimensions: 768, batchSize: 64 })
 * const [vector] = await embedder.embed(['function createUser(name) { ... }'])
 * ```
 */
export class OpenAIEmbeddingProvider implements EmbeddingProvider, AsyncDisposable {
  readonly model: string;
  readonly dimensions: number;
  readonly #o: Required<Omit<OpenAIEmbeddingProviderOptions, 'apiKey' | 'headers' | 'dispatcher' | 'requestsPerMinute'>> &
    Pick<OpenAIEmbeddingProviderOptions, 'apiKey' | 'headers' | 'requestsPerMinute'>;
  /** No request starts before this time (ms epoch): spacing for requestsPerMinute, and a 429's Retry-After shared by every worker. */
  #notBefore = 0;
  readonly #url: string;
  #dispatcher: Dispatcher | undefined;
  #ownsDispatcher = false;
  #undici: Promise<typeof import('undici')> | undefined;
  #closed = false;

  constructor(options: OpenAIEmbeddingProviderOptions) {
    if (!options?.baseUrl) throw new ConfigError('OpenAIEmbeddingProvider needs baseUrl, e.g. https://api.openai.com/v1', { component: COMPONENT });
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch (error) {
      throw new ConfigError(`embedding baseUrl ${JSON.stringify(options.baseUrl)} is not a URL: use e.g. http://localhost:11434/v1`, { component: COMPONENT, cause: error });
    }
    if (!options.model) throw new ConfigError('OpenAIEmbeddingProvider needs a model name', { component: COMPONENT });
    if (!Number.isInteger(options.dimensions) || options.dimensions < 1) {
      throw new ConfigError(`embedding dimensions must be a positive integer, got ${options.dimensions}`, { component: COMPONENT });
    }
    this.model = options.model;
    this.dimensions = options.dimensions;
    this.#o = {
      baseUrl: options.baseUrl,
      model: options.model,
      dimensions: options.dimensions,
      apiKey: options.apiKey,
      headers: options.headers,
      sendDimensions: options.sendDimensions ?? false,
      batchSize: positive(options.batchSize ?? 2048, 'batchSize'),
      maxBatchChars: positive(options.maxBatchChars ?? 400_000, 'maxBatchChars'),
      maxTextChars: positive(options.maxTextChars ?? 24_000, 'maxTextChars'),
      concurrency: positive(options.concurrency ?? 2, 'concurrency'),
      maxRetries: options.maxRetries ?? 5,
      retryBaseMs: options.retryBaseMs ?? 500,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 30_000,
      timeoutMs: positive(options.timeoutMs ?? 60_000, 'timeoutMs'),
      requestsPerMinute: options.requestsPerMinute === undefined ? undefined : positive(options.requestsPerMinute, 'requestsPerMinute'),
    };
    this.#url = `${url.toString().replace(/\/+$/, '')}/embeddings`;
    this.#dispatcher = options.dispatcher;
  }

  async embed(texts: readonly string[], options: CallOptions = {}): Promise<number[][]> {
    throwIfAborted(options.signal, COMPONENT);
    if (this.#closed) throw new ConfigError('this embedding provider is closed', { component: COMPONENT });
    if (texts.length === 0) return [];
    const batches = this.#batches(texts);
    const out: number[][] = new Array(texts.length);
    // One failed batch stops the other workers from starting new ones.
    const controller = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    try {
      await eachConcurrently(batches, this.#o.concurrency, async (batch) => {
        try {
          const vectors = await this.#embedBatch(batch.texts, signal);
          vectors.forEach((v, i) => (out[batch.offset + i] = v));
        } catch (error) {
          controller.abort(error); // (the batches in flight stop too)
          throw error;
        }
      });
    } catch (error) {
      if (options.signal?.aborted && !(error instanceof AbortedError)) throw new AbortedError('embedding aborted', { component: COMPONENT, cause: options.signal.reason });
      throw error;
    }
    return out;
  }

  #batches(texts: readonly string[]): { offset: number; texts: string[] }[] {
    const batches: { offset: number; texts: string[] }[] = [];
    let current: string[] = [];
    let chars = 0;
    let offset = 0;
    texts.forEach((raw, i) => {
      // OpenAI rejects empty strings; a single space embeds as "nothing".
      const text = raw.length === 0 ? ' ' : raw.slice(0, this.#o.maxTextChars);
      if (current.length > 0 && (current.length >= this.#o.batchSize || chars + text.length > this.#o.maxBatchChars)) {
        batches.push({ offset, texts: current });
        offset = i;
        current = [];
        chars = 0;
      }
      current.push(text);
      chars += text.length;
    });
    if (current.length) batches.push({ offset, texts: current });
    return batches;
  }

  async #request(): Promise<{ undici: typeof import('undici'); dispatcher: Dispatcher }> {
    this.#undici ??= import('undici');
    const undici = await this.#undici;
    if (!this.#dispatcher) {
      this.#dispatcher = new undici.Agent({ keepAliveTimeout: 10_000, connections: this.#o.concurrency * 2 });
      this.#ownsDispatcher = true;
    }
    return { undici, dispatcher: this.#dispatcher };
  }

  async #embedBatch(texts: string[], signal: AbortSignal | undefined): Promise<number[][]> {
    const { undici, dispatcher } = await this.#request();
    const body = JSON.stringify({ model: this.model, input: texts, encoding_format: 'float', ...(this.#o.sendDimensions ? { dimensions: this.dimensions } : {}) });
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...this.#o.headers };
    if (this.#o.apiKey) headers.authorization = `Bearer ${this.#o.apiKey}`;
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(signal, COMPONENT);
      await this.#takeSlot(signal);
      const timeout = AbortSignal.timeout(this.#o.timeoutMs);
      const requestSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
      let status: number;
      let responseHeaders: Record<string, string | string[] | undefined>;
      let text: string;
      try {
        const res = await undici.request(this.#url, { method: 'POST', headers, body, dispatcher, signal: requestSignal });
        status = res.statusCode;
        responseHeaders = res.headers;
        text = await res.body.text();
      } catch (error) {
        if (signal?.aborted) throw new AbortedError('embedding request aborted', { component: COMPONENT, cause: signal.reason });
        const timedOut = timeout.aborted;
        const failure = timedOut
          ? new TimeoutError(`embedding request to ${this.#url} got no answer within ${this.#o.timeoutMs} ms`, { component: COMPONENT, cause: error })
          : new BackendUnavailableError(`cannot reach the embedding endpoint ${this.#url}: ${(error as Error).message}; is the server running?`, {
              component: COMPONENT,
              cause: error,
            });
        if (attempt >= this.#o.maxRetries) throw failure;
        await abortableSleep(this.#backoff(attempt), signal, COMPONENT);
        continue;
      }
      if (status === 200) return this.#parse(text, texts.length);
      const message = errorMessage(text);
      if ((status === 429 || status >= 500) && attempt < this.#o.maxRetries) {
        const retryAfter = retryAfterMs(responseHeaders);
        const wait = Math.min(retryAfter ?? this.#backoff(attempt), this.#o.maxRetryDelayMs);
        // The server asked everyone to slow down: hold back the other workers too.
        if (retryAfter !== undefined) this.#notBefore = Math.max(this.#notBefore, Date.now() + wait);
        await abortableSleep(wait, signal, COMPONENT);
        continue;
      }
      const context = { status, model: this.model, url: this.#url };
      if (status === 401 || status === 403) {
        throw new ConfigError(`the embedding endpoint refused the credentials (HTTP ${status}: ${message}): check apiKey`, { component: COMPONENT, context });
      }
      if (status === 404) {
        throw new ConfigError(`no embeddings endpoint at ${this.#url} (HTTP 404: ${message}): baseUrl must be the API root that serves /embeddings, e.g. http://localhost:11434/v1, and the model must exist`, {
          component: COMPONENT,
          context,
        });
      }
      if (status === 429) {
        throw new BackendUnavailableError(`the embedding endpoint is still rate limiting after ${attempt} retries (HTTP 429: ${message}); lower concurrency or batchSize`, {
          component: COMPONENT,
          context,
        });
      }
      if (status >= 500) {
        throw new BackendUnavailableError(`the embedding endpoint failed ${attempt + 1} times (HTTP ${status}: ${message})`, { component: COMPONENT, context });
      }
      throw new TrawlError('BACKEND_ERROR', `the embedding endpoint rejected the request (HTTP ${status}: ${message})`, { component: COMPONENT, context });
    }
  }

  #parse(text: string, expected: number): number[][] {
    let json: EmbeddingResponse;
    try {
      json = JSON.parse(text) as EmbeddingResponse;
    } catch (error) {
      throw new TrawlError('BACKEND_ERROR', `the embedding endpoint answered with invalid JSON: ${text.slice(0, 200)}`, { component: COMPONENT, cause: error });
    }
    const data = json.data;
    if (!Array.isArray(data) || data.length !== expected) {
      throw new TrawlError('BACKEND_ERROR', `the embedding endpoint returned ${Array.isArray(data) ? data.length : 'no'} vectors for ${expected} inputs`, { component: COMPONENT });
    }
    const ordered = data.every((d) => typeof d.index === 'number') ? [...data].sort((a, b) => a.index! - b.index!) : data;
    return ordered.map((d) => {
      const v = d.embedding;
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        throw new TrawlError('BACKEND_ERROR', 'the embedding endpoint returned an embedding that is not an array of numbers (base64 encoding is not supported)', { component: COMPONENT });
      }
      if (v.length !== this.dimensions) {
        throw new ConfigError(
          `model ${this.model} returned ${v.length}-dimensional vectors but the provider is configured with dimensions ${this.dimensions}: set dimensions to ${v.length} (vectors of each model and dimension are stored apart, so nothing mixes)`,
          { component: COMPONENT, context: { model: this.model, expected: this.dimensions, actual: v.length } },
        );
      }
      return v as number[];
    });
  }

  /** Waits for this request's turn under requestsPerMinute and any shared Retry-After. */
  async #takeSlot(signal: AbortSignal | undefined): Promise<void> {
    const now = Date.now();
    const start = Math.max(now, this.#notBefore);
    if (this.#o.requestsPerMinute) this.#notBefore = start + 60_000 / this.#o.requestsPerMinute;
    if (start > now) await abortableSleep(start - now, signal, COMPONENT);
  }

  #backoff(attempt: number): number {
    const base = this.#o.retryBaseMs * 2 ** attempt;
    return Math.min(this.#o.maxRetryDelayMs, base / 2 + Math.random() * (base / 2));
  }

  /** Closes the connection pool this provider created (not an injected dispatcher). Safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsDispatcher) await this.#dispatcher?.close().catch(() => undefined);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function positive(value: number, name: string): number {
  if (!(Number.isFinite(value) && value >= 1)) throw new ConfigError(`${name} must be at least 1, got ${value}`, { component: COMPONENT });
  return value;
}

function errorMessage(text: string): string {
  try {
    const json = JSON.parse(text) as EmbeddingResponse & { message?: string; detail?: string };
    const m = json.error?.message ?? json.message ?? json.detail ?? (typeof json.error === 'string' ? json.error : undefined);
    if (m) return String(m).slice(0, 300);
  } catch {
    // not JSON
  }
  return text.slice(0, 300) || 'no body';
}

/** `Retry-After` (seconds or an HTTP date) or `retry-after-ms`, in ms. */
export function retryAfterMs(headers: Record<string, string | string[] | undefined>, now = Date.now()): number | undefined {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const ms = first(headers['retry-after-ms']);
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = first(headers['retry-after']);
  if (!value) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.max(0, Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
