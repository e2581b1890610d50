import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fakeEmbedding, startFakeEmbeddingServer, type FakeEmbeddingServer } from '@trawl/testing';
import { OpenAIEmbeddingProvider, retryAfterMs, type OpenAIEmbeddingProviderOptions } from './openai-embedding-provider.js';

describe('OpenAIEmbeddingProvider against an OpenAI-compatible server on loopback', () => {
  let server: FakeEmbeddingServer;
  const providers: OpenAIEmbeddingProvider[] = [];
  const provider = (o: Partial<OpenAIEmbeddingProviderOptions> = {}) => {
    const p = new OpenAIEmbeddingProvider({ baseUrl: server.baseUrl, model: 'test-embed', dimensions: 8, retryBaseMs: 1, maxRetryDelayMs: 50, ...o });
    providers.push(p);
    return p;
  };

  beforeAll(async () => {
    server = await startFakeEmbeddingServer({ dimensions: 8, model: 'test-embed', maxBatch: 100 });
  });
  afterEach(() => {
    server.requests.length = 0;
    server.script.length = 0;
  });
  afterAll(async () => {
    await Promise.all(providers.map((p) => p.close()));
    await server.close();
  });

  it('returns one deterministic vector per text, in input order, whatever order the server answers in', async () => {
    const texts = ['alpha', 'beta', 'gamma'];
    const vectors = await provider().embed(texts);
    expect(vectors).toEqual(texts.map((t) => fakeEmbedding(t, 8)));
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ model: 'test-embed', inputs: texts });
  });

  it('splits into batches by count and by size, with bounded concurrency', async () => {
    const texts = Array.from({ length: 10 }, (_, i) => `text number ${i}`);
    const vectors = await provider({ batchSize: 3, concurrency: 2 }).embed(texts);
    expect(vectors).toEqual(texts.map((t) => fakeEmbedding(t, 8)));
    expect(server.requests.map((r) => r.inputs.length).sort()).toEqual([1, 3, 3, 3]);
    server.requests.length = 0;
    await provider({ maxBatchChars: 30 }).embed(texts); // 14 chars each -> 2 per request
    expect(server.requests.map((r) => r.inputs.length)).toEqual([2, 2, 2, 2, 2]);
  });

  it('sends the API key, the dimensions when asked, and never an empty string', async () => {
    await provider({ apiKey: 'sk-test', sendDimensions: true }).embed(['', 'x']);
    expect(server.requests[0]).toMatchObject({ authorization: 'Bearer sk-test', dimensions: 8, inputs: [' ', 'x'] });
  });

  it('retries 429 and 5xx, then succeeds', async () => {
    server.script.push({ status: 429 }, { status: 503 }, { status: 500 });
    const vectors = await provider().embed(['retry me']);
    expect(vectors[0]).toEqual(fakeEmbedding('retry me', 8));
    expect(server.requests).toHaveLength(4);
  });

  it('waits as long as Retry-After says', async () => {
    server.script.push({ status: 429, headers: { 'retry-after': '1' } });
    await provider({ retryBaseMs: 1, maxRetryDelayMs: 5000 }).embed(['patient']);
    expect(server.requests).toHaveLength(2);
    // a lower bound on a wait the provider was told to make, not a speed assertion
    expect(server.requests[1]!.at - server.requests[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('spaces requests under requestsPerMinute', async () => {
    const started = Date.now();
    await provider({ batchSize: 1, concurrency: 4, requestsPerMinute: 600 }).embed(['a', 'b', 'c']);
    expect(server.requests).toHaveLength(3);
    // 600/min = one start every 100 ms, so the third starts >= 200 ms after the first: a lower bound the provider must respect
    expect(Date.now() - started).toBeGreaterThanOrEqual(195);
  });

  it('parses Retry-After as seconds, HTTP date or retry-after-ms', () => {
    expect(retryAfterMs({ 'retry-after': '2' })).toBe(2000);
    expect(retryAfterMs({ 'retry-after-ms': '150' })).toBe(150);
    expect(retryAfterMs({ 'retry-after': new Date(10_000).toUTCString() }, 7_000)).toBe(3000);
    expect(retryAfterMs({})).toBeUndefined();
  });

  it('gives up after maxRetries with BACKEND_UNAVAILABLE', async () => {
    server.script.push({ status: 503 }, { status: 503 }, { status: 503 });
    await expect(provider({ maxRetries: 2 }).embed(['x'])).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE', message: expect.stringMatching(/HTTP 503/) });
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry a rejected request and reports the server message', async () => {
    server.script.push({ status: 400, body: { error: { message: 'input too long' } } });
    await expect(provider().embed(['x'])).rejects.toMatchObject({ code: 'BACKEND_ERROR', message: expect.stringMatching(/input too long/) });
    expect(server.requests).toHaveLength(1);
  });

  it('says what to fix for bad credentials, a wrong endpoint and an unknown model', async () => {
    server.script.push({ status: 401, body: { error: { message: 'invalid api key' } } });
    await expect(provider().embed(['x'])).rejects.toMatchObject({ code: 'CONFIG', message: expect.stringMatching(/check apiKey/) });
    await expect(provider({ baseUrl: server.baseUrl.replace(/\/v1$/, '/wrong') }).embed(['x'])).rejects.toMatchObject({
      code: 'CONFIG',
      message: expect.stringMatching(/no embeddings endpoint at .*\/wrong\/embeddings.*baseUrl/),
    });
    await expect(provider({ model: 'missing-model' }).embed(['x'])).rejects.toMatchObject({ code: 'CONFIG', message: expect.stringMatching(/missing-model/) });
  });

  it('refuses vectors of the wrong dimension', async () => {
    server.script.push({ status: 200, dimensions: 12 });
    await expect(provider().embed(['x'])).rejects.toMatchObject({ code: 'CONFIG', message: expect.stringMatching(/returned 12-dimensional vectors .* dimensions 8: set dimensions to 12/) });
  });

  it('times out a silent server', async () => {
    server.script.push({ status: 200, delayMs: 1500 });
    await expect(provider({ timeoutMs: 100, maxRetries: 0 }).embed(['slow'])).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('is cancelled by its signal, also while waiting to retry', async () => {
    await expect(provider().embed(['x'], { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
    server.script.push({ status: 200, delayMs: 1000 });
    await expect(provider().embed(['x'], { signal: AbortSignal.timeout(50) })).rejects.toMatchObject({ code: 'ABORTED' });
    server.script.push({ status: 429, headers: { 'retry-after': '30' } });
    await expect(provider({ maxRetryDelayMs: 60_000 }).embed(['x'], { signal: AbortSignal.timeout(100) })).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('reports a refused connection as BACKEND_UNAVAILABLE', async () => {
    await expect(provider({ baseUrl: 'http://127.0.0.1:9/v1', maxRetries: 1 }).embed(['x'])).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE', message: expect.stringMatching(/cannot reach/) });
  });

  it('validates its options and closes idempotently', async () => {
    expect(() => new OpenAIEmbeddingProvider({ baseUrl: 'not a url', model: 'm', dimensions: 8 })).toThrow(/not a URL/);
    expect(() => new OpenAIEmbeddingProvider({ baseUrl: server.baseUrl, model: 'm', dimensions: 0 })).toThrow(/dimensions/);
    expect(() => new OpenAIEmbeddingProvider({ baseUrl: server.baseUrl, model: 'm', dimensions: 8, batchSize: 0 })).toThrow(/batchSize/);
    const p = provider();
    await p.embed(['x']);
    await p.close();
    await p.close();
    await expect(p.embed(['x'])).rejects.toMatchObject({ code: 'CONFIG' });
    expect(await provider().embed([])).toEqual([]);
  });
});
