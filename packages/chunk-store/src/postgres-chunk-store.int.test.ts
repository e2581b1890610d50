import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, describeChunkStore, makeChunk, POSTGRES_FLAVOURS } from '@trawl/testing';
import { ensureSchema, type PostgresStore } from '@trawl/postgres';
import { PostgresChunkStore } from './postgres-chunk-store.js';

for (const flavour of POSTGRES_FLAVOURS) {
  describeChunkStore(`PostgresChunkStore (${flavour})`, {
    async create() {
      const { store, dispose } = await createTestStore(flavour);
      return { store: new PostgresChunkStore(store, { batchSize: 5000 }), dispose };
    },
  });

  describe(`PostgresChunkStore on ${flavour}: SQL specifics`, () => {
    let db: PostgresStore;
    let dispose: () => Promise<void>;
    let chunks: PostgresChunkStore;
    beforeAll(async () => {
      ({ store: db, dispose } = await createTestStore(flavour));
      chunks = new PostgresChunkStore(db, { batchSize: 1000 });
    });
    afterAll(async () => dispose());

    it('writes nothing when a later batch of the same call fails in the database', async () => {
      await ensureSchema(db);
      await db.execute(`CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN
        IF NEW.chunk_id = 'poison' THEN RAISE EXCEPTION 'poisoned row'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
      await db.execute('CREATE TRIGGER poison BEFORE INSERT ON chunks FOR EACH ROW EXECUTE FUNCTION poison()');
      const rows = Array.from({ length: 2500 }, (_, i) => makeChunk({ id: `c${i}`, repoId: 'atomic', snapshotId: 's', startLine: i + 1, endLine: i + 1 }));
      rows.push(makeChunk({ id: 'poison', repoId: 'atomic', snapshotId: 's' }));
      await expect(chunks.saveChunks(rows)).rejects.toThrow(/poisoned row/);
      expect(await db.fetchValue<number>("SELECT count(*)::int FROM chunks WHERE repo_id = 'atomic'")).toBe(0);
      await db.execute('DROP TRIGGER poison ON chunks');
    });

    it('uses one statement per batch, not one parameter per field per row', async () => {
      // 70k rows x 21 fields would be 1.47M parameters: impossible unless batched over arrays.
      const many = Array.from({ length: 70_000 }, (_, i) =>
        makeChunk({ id: `m${i}`, repoId: 'wide', snapshotId: 's', filePath: `f${i % 100}.ts`, startLine: i + 1, endLine: i + 2 }),
      );
      const wide = new PostgresChunkStore(db, { batchSize: 70_000 });
      expect(await wide.saveChunks(many)).toBe(70_000);
      expect(await db.fetchValue<number>("SELECT count(*)::int FROM chunks WHERE repo_id = 'wide'")).toBe(70_000);
    });

    it('plans line lookups on the span index', async () => {
      await db.execute('ANALYZE chunks');
      await db.execute('SET enable_seqscan = off');
      const plan = (await db.fetch<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT chunk_id FROM chunks c WHERE c.repo_id = 'wide' AND c.snapshot_id = 's' AND c.file_path = 'f7.ts'
         AND c.start_line <= 5000 AND c.end_line >= 5000 AND NOT c.deleted ORDER BY c.end_line - c.start_line LIMIT 1`,
      )).map((r) => r['QUERY PLAN']).join('\n');
      await db.execute('RESET enable_seqscan');
      expect(plan, plan).toMatch(/chunks_file_span_idx/);
    });
  });
}
