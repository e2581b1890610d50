import { BackendUnavailableError, ConfigError, TimeoutError, TrawlError, type CallOptions, type RerankCandidate, type Reranker } from '@trawl/core';

export interface HttpRerankerOptions {
  /**
   * `tei`: Hugging Face text-embeddings-inference `POST {url}/rerank {query, texts}`.
   * `cohere`: `POST {url}/v1/rerank {model, query, documents, top_n}` (Cohere, Jina, Voyage, vLLM
   * and most hosted rerank APIs share this shape; `jina` is an alias).
   */
  flavor: 'tei' | 'cohere' | 'jina';
  url: string;
  model?: string;
  apiKey?: string;
  /** Per-request timeout in ms (default 10000). */
  timeoutMs?: number;
  /** Truncate each candidate to this many characters before sending (default 4000). */
  maxChars?: number;
}

/**
 * A Reranker over the common HTTP rerank APIs.
 *
 * ```ts
 * const reranker = new HttpReranker({ flavor: 'tei', url: 'http://127.0.0.1:8081' })
 * const retriever = new Retriever({ indexes, catalog, chunks, reranker })
 * ```
 */
export class HttpReranker implements Reranker {
  readonly #o: HttpRerankerOptions;

  constructor(options: HttpRerankerOptions) {
    try {
      const u = new URL(options.url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    } catch {
      throw new ConfigError(`rerank URL ${JSON.stringify(options.url)} is not an http(s) URL`, { component: 'rerank' });
    }
    if (options.flavor !== 'tei' && !options.model) {
      throw new ConfigError(`a ${options.flavor} rerank API needs a model name`, { component: 'rerank' });
    }
    this.#o = options;
  }

  async rerank(query: string, candidates: readonly RerankCandidate[], options: CallOptions & { topN?: number } = {}): Promise<{ id: string; score: number }[]> {
    if (candidates.length === 0) return [];
    const max = this.#o.maxChars ?? 4000;
    const texts = candidates.map((c) => c.text.slice(0, max));
    const base = this.#o.url.replace(/\/+$/, '');
    const tei = this.#o.flavor === 'tei';
    const url = tei ? `${base}/rerank` : `${base}/v1/rerank`;
    const body = tei
      ? { query, texts, raw_scores: false, truncate: true }
      : { model: this.#o.model, query, documents: texts, top_n: options.topN ?? candidates.length };
    const timeout = AbortSignal.timeout(this.#o.timeoutMs ?? 10_000);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.#o.apiKey ? { authorization: `Bearer ${this.#o.apiKey}` } : {}) },
        body: JSON.stringify(body),
        signal,
      });
    } catch (error) {
      if (timeout.aborted) throw new TimeoutError(`rerank request to ${url} timed out`, { component: 'rerank', cause: error });
      if (options.signal?.aborted) throw error;
      throw new BackendUnavailableError(`cannot reach the rerank API at ${url}: ${(error as Error).message}`, { component: 'rerank', cause: error });
    }
    const text = await response.text();
    if (!response.ok) throw new TrawlError('BACKEND_ERROR', `rerank API answered ${response.status}: ${text.slice(0, 300)}`, { component: 'rerank' });
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new TrawlError('BACKEND_ERROR', `rerank API returned invalid JSON: ${text.slice(0, 120)}`, { component: 'rerank' });
    }
    const rows: unknown = tei ? parsed : (parsed as { results?: unknown }).results;
    if (!Array.isArray(rows)) throw new TrawlError('BACKEND_ERROR', 'rerank API response has no result list', { component: 'rerank' });
    return rows.map((row) => {
      const r = row as { index?: unknown; score?: unknown; relevance_score?: unknown };
      const index = r.index;
      const score = tei ? r.score : r.relevance_score;
      if (typeof index !== 'number' || !candidates[index] || typeof score !== 'number') {
        throw new TrawlError('BACKEND_ERROR', `rerank API returned an unexpected row ${JSON.stringify(row).slice(0, 120)}`, { component: 'rerank' });
      }
      return { id: candidates[index]!.id, score };
    });
  }
}
