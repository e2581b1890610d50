import { describe, expect, it } from 'vitest';
import { PostgresStore } from '@trawl/postgres';
import { createTestStore, describeVectorIndex, fixtureSnapshot } from '@trawl/testing';
import { HashingEmbeddingProvider } from './hashing-embedding-provider.js';
import { PgVectorIndex } from './pg-vector-index.js';

const namedHashing = (model: string, dimensions: number) => {
  const inner = new HashingEmbeddingProvider({ dimensions });
  return { model, dimensions, embed: inner.embed.bind(inner) };
};

describeVectorIndex('PgVectorIndex on pglite (pgvector)', {
  createEmbedder: namedHashing,
  async setup() {
    const store = new PostgresStore({ embedded: true });
    return { createIndex: (embedder) => new PgVectorIndex({ store, embedder }), dispose: () => store.close() };
  },
});

describe('PgVectorIndex', () => {
  it('builds an HNSW index after the first load and agrees with exact search', async () => {
    await using store = new PostgresStore({ embedded: true });
    const index = new PgVectorIndex({ store, embedder: namedHashing('hnsw-check', 32) });
    const files = Array.from({ length: 30 }, (_, i) => ({
      path: `src/f${i}.ts`,
      content: `export function handler${i}() { return topic${i % 7} + area${i % 5}; }`,
      symbols: [{ name: `handler${i}`, kind: 'function' as const, startLine: 1, endLine: 1 }],
    }));
    const ref = { repoId: 'r', snapshotId: 's' };
    await index.reindexRepo(fixtureSnapshot(ref, files));
    const indexes = await store.fetch<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE tablename = $1`, [index.table]);
    expect(indexes.map((i) => i.indexdef).join('\n')).toMatch(/USING hnsw \(embedding vector_cosine_ops\)/);
    const approx = await index.search(ref, 'topic3 area2', { limit: 5 });
    const exact = await index.search(ref, 'topic3 area2', { limit: 5, exact: true } as never);
    expect(approx.map((h) => h.chunkId)).toEqual(exact.map((h) => h.chunkId));
    const spaces = await store.fetch(`SELECT model, dimensions FROM trawl_vector_spaces WHERE table_name = $1`, [index.table]);
    expect(spaces).toEqual([{ model: 'hnsw-check', dimensions: 32 }]);
    expect((await index.healthCheck()).ok).toBe(true);
  });

  it('says plainly when the PostgreSQL server has no pgvector', async () => {
    const { store, dispose } = await createTestStore('server');
    try {
      const index = new PgVectorIndex({ store, embedder: new HashingEmbeddingProvider() });
      const available = await store.fetchValue<number>(`SELECT count(*)::int FROM pg_available_extensions WHERE name = 'vector'`);
      if (available) {
        // a server with pgvector installed: the index simply works
        await index.reindexRepo(fixtureSnapshot({ repoId: 'r', snapshotId: 's' }, [{ path: 'a.ts', content: 'x' }]));
      } else {
        await expect(index.search({ repoId: 'r', snapshotId: 's' }, 'x')).rejects.toMatchObject({ code: 'CONFIG', message: expect.stringMatching(/pgvector is not available/) });
        expect((await index.healthCheck()).ok).toBe(false);
      }
    } finally {
      await dispose();
    }
  });

  it('rejects a bad table prefix and query vectors of the wrong size', async () => {
    expect(() => new PgVectorIndex({ store: {} as never, embedder: new HashingEmbeddingProvider(), tablePrefix: 'Bad-Name' })).toThrow(/tablePrefix/);
    const index = new PgVectorIndex({ store: {} as never, embedder: new HashingEmbeddingProvider({ dimensions: 16 }) });
    await expect(index.searchByVector({ repoId: 'r', snapshotId: 's' }, [1, 2, 3])).rejects.toMatchObject({ code: 'INVALID_QUERY' });
  });
});
