import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QdrantClient } from '@qdrant/js-client-rest';
import { describeVectorIndex, fixtureSnapshot, startQdrantContractServer, type QdrantContractServer } from '@trawl/testing';
import { HashingEmbeddingProvider } from './hashing-embedding-provider.js';
import { QdrantVectorIndex, pointId, type QdrantClientLike } from './qdrant-vector-index.js';

// No Qdrant server can run here: every request the real @qdrant/js-client-rest sends is validated
// against Qdrant's OpenAPI document, and every replayed response against its response schema.

const namedHashing = (model: string, dimensions: number) => {
  const inner = new HashingEmbeddingProvider({ dimensions });
  return { model, dimensions, embed: inner.embed.bind(inner) };
};

let suiteServer: QdrantContractServer | undefined;
describeVectorIndex('QdrantVectorIndex against the Qdrant OpenAPI contract', {
  createEmbedder: namedHashing,
  async setup() {
    const server = await startQdrantContractServer();
    suiteServer = server;
    const client = new QdrantClient({ url: server.url, checkCompatibility: false }) as unknown as QdrantClientLike;
    return {
      createIndex: (embedder) => new QdrantVectorIndex({ client, embedder, batchSize: 4 }),
      async dispose() {
        await server.close();
      },
    };
  },
  check() {
    expect(suiteServer!.violations).toEqual([]);
  },
});

describe('QdrantVectorIndex wire behaviour', () => {
  let server: QdrantContractServer;
  beforeAll(async () => {
    server = await startQdrantContractServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('creates one cosine collection per model with payload indexes on the filter fields, all within the contract', async () => {
    const index = new QdrantVectorIndex({ url: server.url, embedder: new HashingEmbeddingProvider({ dimensions: 48 }) });
    expect(index.collection).toMatch(/^trawl_trawl_hashing_v1_[0-9a-f]{8}_48$/);
    const ref = { repoId: 'r', snapshotId: 's' };
    const content = fixtureSnapshot(ref, [{ path: 'a.ts', content: 'export function alpha() {}', symbols: [{ name: 'alpha', kind: 'function', startLine: 1, endLine: 1 }] }]);
    await index.reindexRepo(content);
    const collection = server.collections.get(index.collection)!;
    expect(collection).toMatchObject({ size: 48, distance: 'Cosine' });
    expect([...collection.payloadIndexes.keys()].sort()).toEqual(['embed_key', 'file_path', 'kind', 'repo_id', 'snapshot_id']);
    const point = collection.points.get(pointId('r', 's', content.chunks[1]!.id))!;
    expect(point.payload).toMatchObject({ repo_id: 'r', snapshot_id: 's', chunk_id: content.chunks[1]!.id, file_path: 'a.ts', kind: 'function', name: 'alpha', start_line: 1, end_line: 1 });
    expect((await index.healthCheck()).ok).toBe(true);
    const ops = new Set(server.calls.map((c) => c.operationId));
    expect([...ops].sort()).toEqual(['collection_exists', 'create_collection', 'create_field_index', 'delete_points', 'get_collections', 'scroll_points', 'upsert_points']);
    expect(server.violations).toEqual([]);
  });

  it('the contract catches a malformed request and a malformed response', async () => {
    const res = await fetch(`${server.url}/collections/x/points?wait=yes`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ points: [{ id: 'not-a-uuid', vector: 'oops' }] }),
    });
    expect(res.status).toBe(400);
    expect(server.violations.join('\n')).toMatch(/wait.*boolean/);
    expect(server.violations.join('\n')).toMatch(/format "uuid"/);
    const query = server.contract.match('POST', '/collections/x/points/query')!;
    expect(server.contract.validateResponse(query.operation, 200, { status: 'ok', time: 0, result: { points: [{ id: 1, score: 'high' }] } }).join()).toMatch(/version|score/);
    expect(server.contract.validateRequest(query.operation, query.params, new URLSearchParams(), { query: [1, 2], with_payloads: true }).join()).toMatch(/additional properties/);
    server.violations.length = 0;
  });

  it('turns a Qdrant error answer into BACKEND_ERROR with Qdrant\'s message', async () => {
    const index = new QdrantVectorIndex({ url: server.url, embedder: new HashingEmbeddingProvider({ dimensions: 16 }) });
    await index.search({ repoId: 'r', snapshotId: 's' }, 'x'); // creates the collection
    await fetch(`${server.url}/collections/${index.collection}`, { method: 'DELETE' });
    await expect(index.search({ repoId: 'r', snapshotId: 's' }, 'x')).rejects.toMatchObject({ code: 'BACKEND_ERROR', message: expect.stringMatching(/HTTP 404.*doesn't exist/) });
    expect(server.violations).toEqual([]);
  });

  it('reports an unreachable Qdrant as BACKEND_UNAVAILABLE and unhealthy', async () => {
    const index = new QdrantVectorIndex({ url: 'http://127.0.0.1:9', embedder: new HashingEmbeddingProvider() });
    await expect(index.search({ repoId: 'r', snapshotId: 's' }, 'x')).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    expect((await index.healthCheck()).ok).toBe(false);
  });

  it('derives valid, stable UUID point ids', () => {
    const id = pointId('r', 's', 'c');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(pointId('r', 's', 'c')).toBe(id);
    expect(pointId('r', 's2', 'c')).not.toBe(id);
  });
});
