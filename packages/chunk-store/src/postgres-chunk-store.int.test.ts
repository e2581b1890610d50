import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestStore, describeChunkStore, makeChunk, POSTGRES_FLAVOURS, sampleFileChunks } from '@trawl/testing';
import type { LineLookup, LineLookupOptions } from '@trawl/core';
import { ensureSchema, loadMigrations, PostgresStore, runMigrations } from '@trawl/postgres';
import { PostgresCatalogStore } from './postgres-catalog-store.js';
import { PostgresChunkStore } from './postgres-chunk-store.js';

/** Records the SQL of every statement `db` runs until `restore()`. */
function recordQueries(db: PostgresStore): { queries: string[]; restore(): void } {
  const queries: string[] = [];
  const spies = (['fetch', 'fetchRow', 'fetchValue', 'execute'] as const).map((m) => {
    const original = db[m].bind(db) as (...a: unknown[]) => Promise<unknown>;
    return vi.spyOn(db, m).mockImplementation(((sql: string, ...rest: unknown[]) => (queries.push(sql), original(sql, ...rest))) as never);
  });
  return { queries, restore: () => spies.forEach((spy) => spy.mockRestore()) };
}

for (const flavour of POSTGRES_FLAVOURS) {
  describeChunkStore(`PostgresChunkStore (${flavour})`, {
    async create() {
      const { store, dispose } = await createTestStore(flavour);
      return { store: new PostgresChunkStore(store, { batchSize: 5000 }), dispose };
    },
  });

  it(`reads and counts the chunks a database held before chunk_files existed (migrations 0012 and 0013 on ${flavour})`, async () => {
    const { store: db, dispose } = await createTestStore(flavour);
    try {
      await runMigrations(db, { migrations: (await loadMigrations()).filter((m) => m.name < '0012') });
      // Rows as the store wrote them before: no links.
      const old = sampleFileChunks('legacy', 's1', 'a.ts');
      await db.execute(
        `INSERT INTO chunks (repo_id, snapshot_id, chunk_id, file_path, kind, name, fqn, start_line, end_line, content_hash)
         SELECT 'legacy', 's1', id, 'a.ts', kind, name, fqn, sl, el, 'h' FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[]) AS t(id, kind, name, fqn, sl, el)`,
        [old.map((c) => c.id), old.map((c) => c.kind), old.map((c) => c.name), old.map((c) => c.fqn), old.map((c) => c.startLine), old.map((c) => c.endLine)],
      );
      await db.execute(`INSERT INTO chunks (repo_id, snapshot_id, chunk_id, file_path, kind, name, fqn, start_line, end_line, content_hash, deleted)
                        VALUES ('legacy', 's1', 'gone', 'a.ts', 'function', 'gone', 'gone', 1, 2, 'h', true)`);
      await runMigrations(db);
      const store = new PostgresChunkStore(db);
      // 0012 linked the rows, 0013 counted the live ones on the link.
      expect((await store.findChunkAtLine({ repoId: 'legacy', snapshotId: 's1' }, 'a.ts', 15))?.id).toBe('a.ts#m1');
      expect(await store.countChunks({ repoId: 'legacy', snapshotId: 's1' })).toBe(7);
    } finally {
      await dispose();
    }
  });

  it(`shares the newest snapshot's links with a snapshot built on it: a one-file change writes one link (${flavour})`, async () => {
    const { store: db, dispose } = await createTestStore(flavour);
    try {
      const store = new PostgresChunkStore(db);
      const v1 = { repoId: 'links', snapshotId: 'v1' };
      const v2 = { repoId: 'links', snapshotId: 'v2' };
      const paths = Array.from({ length: 40 }, (_, i) => `src/f${i}.ts`);
      await store.saveChunks(paths.flatMap((p) => sampleFileChunks('links', 'v1', p)));
      const spans = async () => Number(await db.fetchValue("SELECT count(*) FROM chunk_file_spans WHERE repo_id = 'links'"));
      expect(await spans()).toBe(40);
      expect(await store.copySnapshot(v1, v2, ['src/f3.ts'])).toBe(39 * 7);
      expect(await spans()).toBe(40);
      await store.saveChunks(sampleFileChunks('links', 'v2', 'src/f3.ts').map((c) => (c.kind === 'method' ? { ...c, name: `${c.name}x` } : c)));
      expect(await spans()).toBe(41);
      expect(await store.countChunks(v2)).toBe(40 * 7);
      expect((await store.findChunkAtLine(v2, 'src/f3.ts', 15))?.name).toBe('m1x');
      expect((await store.findChunkAtLine(v1, 'src/f3.ts', 15))?.name).toBe('m1');
      // Pruning v1 takes its own link and rows; v2 reads on.
      await store.purgeSnapshot(v1);
      expect(await spans()).toBe(40);
      expect(await store.countChunks(v2)).toBe(40 * 7);
      expect((await store.listRepoChunks('links', { snapshotId: 'v2' })).length).toBe(40 * 7);
    } finally {
      await dispose();
    }
  });

  describe(`PostgresChunkStore on ${flavour}: SQL specifics`, () => {
    let db: PostgresStore;
    let url: string | undefined;
    let dispose: () => Promise<void>;
    let chunks: PostgresChunkStore;
    beforeAll(async () => {
      ({ store: db, url, dispose } = await createTestStore(flavour));
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

    it('carries files over without copying rows, and purges only rows no snapshot reads', async () => {
      const rows = async () => db.fetchValue<number>("SELECT count(*)::int FROM chunks WHERE repo_id = 'share'");
      const v = (n: number) => ({ repoId: 'share', snapshotId: `v${n}` });
      await chunks.saveChunks([...sampleFileChunks('share', 'v1', 'keep.ts'), ...sampleFileChunks('share', 'v1', 'edit.ts')]);
      expect(await rows()).toBe(14);
      expect(await chunks.copySnapshot(v(1), v(2), ['edit.ts'])).toBe(7);
      expect(await rows()).toBe(14); // keep.ts is read from v1's rows
      await chunks.saveChunks(sampleFileChunks('share', 'v2', 'edit.ts'));
      expect(await chunks.copySnapshot(v(2), v(3), [])).toBe(14);
      expect(await rows()).toBe(21);
      expect(await chunks.countChunks(v(3))).toBe(14);
      // Saving what a snapshot already reads from shared rows writes and copies nothing; one
      // changed chunk copies its file only.
      expect(await chunks.saveChunks(sampleFileChunks('share', 'v3', 'keep.ts'))).toBe(0);
      expect(await rows()).toBe(21);
      const top = sampleFileChunks('share', 'v3', 'keep.ts').find((c) => c.id === 'keep.ts#top')!;
      expect(await chunks.saveChunks([{ ...top, summary: 'v3 only' }])).toBe(1);
      expect(await rows()).toBe(28);
      expect((await chunks.getChunk('keep.ts#top', { snapshot: v(2) }))!.summary).toBe('Top-level helper.');
      // Deleting a file the snapshot does not have touches nothing.
      expect(await chunks.deleteSnapshot(v(2), { filePaths: ['nope.ts'] })).toBe(0);
      expect(await db.fetchValue<number>("SELECT count(*)::int FROM chunk_files WHERE repo_id = 'share' AND file_path = 'nope.ts'")).toBe(0);
      // v1 goes: its keep.ts rows stay (v2 and v3 read them), its edit.ts rows go.
      expect(await chunks.purgeSnapshot(v(1))).toBe(7);
      expect(await rows()).toBe(21);
      expect(await chunks.listRepoChunks('share', { snapshotId: 'v1' })).toEqual([]);
      expect((await chunks.listFileChunks(v(2), 'keep.ts')).map((c) => c.snapshotId)).toEqual(Array(7).fill('v2'));
      // v1 indexed again (content-derived ids come back): its new rows must not land on the rows v2 and v3 read.
      await chunks.saveChunks(sampleFileChunks('share', 'v1', 'keep.ts').map((c) => ({ ...c, summary: 'v1 again' })));
      expect((await chunks.getChunk('keep.ts#m1', { snapshot: v(1) }))!.summary).toBe('v1 again');
      expect((await chunks.getChunk('keep.ts#m1', { snapshot: v(3) }))!.summary).toBeNull();
      expect((await chunks.findChunksAtLines(v(3), [{ filePath: 'keep.ts', line: 15 }]))[0]).toMatchObject({ id: 'keep.ts#m1', snapshotId: 'v3', summary: null });
      for (const n of [1, 2, 3]) await chunks.purgeSnapshot(v(n));
      expect(await rows()).toBe(0);
      expect(await db.fetchValue<number>("SELECT count(*)::int FROM chunk_files WHERE repo_id = 'share'")).toBe(0);
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

    it('resolves lines from the in-memory spans exactly as SQL does, and falls back when they are stale', async () => {
      // Nested and overlapping spans of every kind rank, including ties on rank, length and start.
      const kinds = ['file', 'class', 'method', 'function', 'block', 'namespace', 'interface'] as const;
      let seed = 7;
      const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
      const rows = [];
      for (let f = 0; f < 20; f++) {
        const filePath = `src/f${f}.ts`;
        rows.push(makeChunk({ id: `file-${f}`, repoId: 'spans', snapshotId: 's', filePath, kind: 'file', startLine: 1, endLine: 400 }));
        for (let i = 0; i < 60; i++) {
          const start = 1 + rand(380);
          rows.push(makeChunk({ id: `c-${f}-${i}`, repoId: 'spans', snapshotId: 's', filePath, kind: kinds[rand(kinds.length)]!, startLine: start, endLine: start + rand(i % 3 === 0 ? 3 : 60) }));
        }
      }
      await chunks.saveChunks(rows);
      const ref = { repoId: 'spans', snapshotId: 's' };
      const locations = Array.from({ length: 500 }, () => ({ filePath: `src/f${rand(21)}.ts`, line: rand(420) }));
      const sqlOnly = new PostgresChunkStore(db, { spanCacheSize: 0 });
      const expected = await sqlOnly.findChunksAtLines(ref, locations);
      expect(await sqlOnly.loadLineSpans(ref)).toBe(0);
      const cached = new PostgresChunkStore(db);
      expect(await cached.loadLineSpans(ref)).toBe(rows.length);
      expect((await cached.findChunksAtLines(ref, locations)).map((c) => c?.id ?? null)).toEqual(expected.map((c) => c?.id ?? null));
      expect(expected.filter((c) => c === null).length).toBeGreaterThan(0); // the 21st file and line 0 have no chunk

      // Another writer removes chunks behind the cache's back: the answer still matches SQL.
      await sqlOnly.deleteSnapshot(ref, { filePaths: ['src/f3.ts'] });
      const after = await sqlOnly.findChunksAtLines(ref, locations);
      expect((await cached.findChunksAtLines(ref, locations)).map((c) => c?.id ?? null)).toEqual(after.map((c) => c?.id ?? null));
      // A write through the store itself drops its spans: a changed chunk is found at once.
      await cached.saveChunks([makeChunk({ id: 'late', repoId: 'spans', snapshotId: 's', filePath: 'src/f5.ts', kind: 'function', startLine: 200, endLine: 200 })]);
      expect((await cached.findChunksAtLines(ref, [{ filePath: 'src/f5.ts', line: 200 }]))[0]?.id).toBe('late');
    });

    it('without change notifications, answers line lookups and their chunks from memory after one stamp lookup, and sees any writer at once', async () => {
      const ref = { repoId: 'stamped', snapshotId: 's' };
      const at = (filePath: string, line: number) => ({ filePath, line });
      await chunks.saveChunks([
        makeChunk({ id: 'fa', ...ref, filePath: 'a.ts', kind: 'file', startLine: 1, endLine: 40 }),
        makeChunk({ id: 'fn', ...ref, filePath: 'a.ts', kind: 'function', name: 'fn', startLine: 2, endLine: 20, summary: 'kept' }),
        makeChunk({ id: 'fb', ...ref, filePath: 'b.ts', kind: 'file', startLine: 1, endLine: 9 }),
      ]);
      const cached = new PostgresChunkStore(db, { changeNotifications: false });
      const writer = new PostgresChunkStore(db, { spanCacheSize: 0 });
      expect(await cached.loadLineSpans(ref)).toBe(3);
      const lines = [at('a.ts', 5), at('a.ts', 30), at('b.ts', 3), at('c.ts', 1)];
      const ids = async () => (await cached.findChunksAtLines(ref, lines)).map((c) => c?.id ?? null);
      expect(await ids()).toEqual(['fn', 'fa', 'fb', null]);

      // Unchanged: one primary-key lookup (the stamp), rows from memory, as copies.
      const { queries, restore } = recordQueries(db);
      try {
        const [found] = await cached.findChunksAtLines(ref, lines);
        found!.summary = 'changed by a caller';
        expect(await ids()).toEqual(['fn', 'fa', 'fb', null]);
        expect((await cached.getChunks(['fn', 'fb'], { snapshot: ref })).map((c) => [c.id, c.summary])).toEqual([['fn', 'kept'], ['fb', null]]);
        expect(queries).toHaveLength(3);
        expect(queries.every((q) => /FROM chunk_snapshot_stamps/.test(q))).toBe(true);
      } finally {
        restore();
      }
      // Borrowed: the rows kept are lent, not copied (the same objects twice), and answer alike.
      const [lent] = await cached.findChunksAtLines(ref, lines, { borrow: true });
      expect((await cached.findChunksAtLines(ref, lines, { borrow: true }))[0]).toBe(lent);
      const [copy] = await cached.findChunksAtLines(ref, lines);
      expect(copy).toEqual(lent);
      expect(copy).not.toBe(lent);

      // Another store adds a method inside fn: found at once (checking the rows found would miss it).
      await writer.saveChunks([makeChunk({ id: 'm', ...ref, filePath: 'a.ts', kind: 'method', name: 'm', startLine: 4, endLine: 6 })]);
      expect(await ids()).toEqual(['m', 'fa', 'fb', null]);
      await cached.loadLineSpans(ref);
      expect(await ids()).toEqual(['m', 'fa', 'fb', null]);
      // ... deletes a file, and the snapshot is purged: the same.
      await writer.deleteSnapshot(ref, { filePaths: ['b.ts'] });
      expect(await ids()).toEqual(['m', 'fa', null, null]);
      expect(await cached.getChunks(['fb'], { snapshot: ref })).toEqual([]);
      await cached.loadLineSpans(ref);
      await writer.purgeSnapshot(ref);
      expect(await ids()).toEqual([null, null, null, null]);
    });

    it('reads a snapshot written before stamps as before: the rows found are read and checked on every lookup', async () => {
      const ref = { repoId: 'unstamped', snapshotId: 's' };
      await chunks.saveChunks([...sampleFileChunks('unstamped', 's', 'a.ts'), ...sampleFileChunks('unstamped', 's', 'b.ts')]);
      await db.execute("DELETE FROM chunk_snapshot_stamps WHERE repo_id = 'unstamped'"); // (as migration 0018 found it)
      const cached = new PostgresChunkStore(db);
      const sqlOnly = new PostgresChunkStore(db, { spanCacheSize: 0 });
      const lines = [{ filePath: 'a.ts', line: 15 }, { filePath: 'b.ts', line: 15 }, { filePath: 'b.ts', line: 2 }];
      const ids = async (store: PostgresChunkStore) => (await store.findChunksAtLines(ref, lines)).map((c) => c?.id ?? null);
      await cached.loadLineSpans(ref);
      expect(await ids(cached)).toEqual(await ids(sqlOnly));
      // On a server the announcements of the save and of the stamp's removal may arrive after the
      // spans were read, and drop them (an unstamped entry cannot tell it already holds a write):
      // the lookup then reloads them; once they are kept, one query reads the rows found.
      await vi.waitFor(async () => {
        const { queries, restore } = recordQueries(db);
        try {
          await ids(cached);
          expect(queries).toHaveLength(1); // the rows found, no stamp
          expect(queries[0]).not.toMatch(/chunk_snapshot_stamps/);
        } finally {
          restore();
        }
      }, { timeout: 5_000, interval: 20 });
      // Another writer deletes a file (and stamps the snapshot): the rows read show it.
      await sqlOnly.deleteSnapshot(ref, { filePaths: ['b.ts'] });
      expect(await ids(cached)).toEqual(['a.ts#m1', null, null]);
      expect(await ids(cached)).toEqual(await ids(sqlOnly));
    });

    it('checks the stamp when a line lookup begins, so the check runs while the caller waits for its lines', async () => {
      const ref = { repoId: 'begun', snapshotId: 's' };
      await chunks.saveChunks(sampleFileChunks('begun', 's', 'a.ts'));
      const store = new PostgresChunkStore(db, { changeNotifications: false });
      const lines = [{ filePath: 'a.ts', line: 15 }, { filePath: 'a.ts', line: 2 }, { filePath: 'b.ts', line: 1 }];
      const expected = (await store.findChunksAtLines(ref, lines)).map((c) => c?.id ?? null);
      // Before the spans are loaded: nothing to check, the lookup answers as findChunksAtLines.
      expect((await store.beginLineLookup(ref).find(lines)).map((c) => c?.id ?? null)).toEqual(expected);
      await store.loadLineSpans(ref);
      await store.findChunksAtLines(ref, lines); // (rows kept)
      const { queries, restore } = recordQueries(db);
      try {
        const lookup = store.beginLineLookup(ref);
        expect(queries).toHaveLength(1); // the stamp, asked at once, before any line is known
        expect((await lookup.find(lines)).map((c) => c?.id ?? null)).toEqual(expected);
        expect(queries).toHaveLength(1); // and nothing more: the rows were kept
      } finally {
        restore();
      }
    });

    /** A, fn (2-20) inside a's file chunk, and b's file chunk; a store whose spans and rows for them are loaded. */
    async function knownSnapshot(repoId: string) {
      const ref = { repoId, snapshotId: 's' };
      await chunks.saveChunks([
        makeChunk({ id: 'fa', ...ref, filePath: 'a.ts', kind: 'file', startLine: 1, endLine: 40 }),
        makeChunk({ id: 'fn', ...ref, filePath: 'a.ts', kind: 'function', name: 'fn', startLine: 2, endLine: 20 }),
        makeChunk({ id: 'fb', ...ref, filePath: 'b.ts', kind: 'file', startLine: 1, endLine: 9 }),
      ]);
      const cached = new PostgresChunkStore(db);
      expect(await cached.loadLineSpans(ref)).toBe(3);
      const lines = [{ filePath: 'a.ts', line: 5 }, { filePath: 'b.ts', line: 3 }, { filePath: 'c.ts', line: 1 }];
      const ids = async () => (await cached.findChunksAtLines(ref, lines)).map((c) => c?.id ?? null);
      expect(await ids()).toEqual(['fn', 'fb', null]); // (rows kept)
      /** Statements one lookup ran. */
      const statements = async () => {
        const { queries, restore } = recordQueries(db);
        try {
          await ids();
          return queries.length;
        } finally {
          restore();
        }
      };
      /** Ends fn at line 3 in SQL of its own, with a new stamp, as another process's writer would. */
      const shrinkFn = (through: PostgresStore) =>
        through.transaction(async (tx) => {
          await tx.execute("UPDATE chunks SET end_line = 3 WHERE repo_id = $1 AND chunk_id = 'fn'", [repoId]);
          await tx.execute("UPDATE chunk_snapshot_stamps SET stamp = nextval('chunk_write_stamps') WHERE repo_id = $1", [repoId]);
        });
      return { ref, cached, ids, statements, shrinkFn };
    }

    it('with change notifications, answers a known unchanged snapshot without a statement, and drops it when a change is announced', async () => {
      const { ref, cached, ids, statements, shrinkFn } = await knownSnapshot('announced');
      const reload = async () => {
        await cached.loadLineSpans(ref);
        await ids(); // (rows kept)
      };
      const { queries, restore } = recordQueries(db);
      try {
        expect(await ids()).toEqual(['fn', 'fb', null]);
        expect((await cached.beginLineLookup(ref).find([{ filePath: 'a.ts', line: 2 }])).map((c) => c?.id)).toEqual(['fn']);
        expect((await cached.getChunks(['fn', 'fb'], { snapshot: ref })).map((c) => c.id)).toEqual(['fn', 'fb']);
        expect(queries).toEqual([]);
      } finally {
        restore();
      }
      // Another connection changes the snapshot (another process on a server; on PGlite, SQL
      // outside the chunk store): seen when the announcement arrives, on PGlite before the
      // statement returns.
      const other = url ? new PostgresStore({ connectionString: url, min: 0, max: 1 }) : db;
      try {
        await shrinkFn(other);
        if (flavour === 'pglite') expect(await ids()).toEqual(['fa', 'fb', null]);
        else await vi.waitFor(async () => expect(await ids()).toEqual(['fa', 'fb', null]), { timeout: 5_000, interval: 5 });
      } finally {
        if (other !== db) await other.close();
      }
      // A store of the same PostgresStore: at once (on a server too, before its announcement is back).
      await reload();
      expect(await statements()).toBe(0);
      await new PostgresChunkStore(db, { spanCacheSize: 0 }).saveChunks([makeChunk({ id: 'm', ...ref, filePath: 'a.ts', kind: 'method', name: 'm', startLine: 4, endLine: 6 })]);
      expect(await ids()).toEqual(['m', 'fb', null]);
      // ... and the catalog deleting the repository.
      await reload();
      expect(await statements()).toBe(0);
      await new PostgresCatalogStore(db).deleteRepo('announced');
      expect(await ids()).toEqual([null, null, null]);
    });

    it('answers a begun lookup from the kept rows without another await once its check passed, and never from spans dropped since', async () => {
      const { ref, cached, shrinkFn } = await knownSnapshot('kept-now');
      const at = [{ filePath: 'a.ts', line: 5 }, { filePath: 'b.ts', line: 3 }, { filePath: 'c.ts', line: 1 }];
      /** Whether `find` returns a settled promise: its callback runs before one queued after it (the full path awaits first). */
      const settlesAtOnce = async (lookup: LineLookup, options?: LineLookupOptions) => {
        let first: string | undefined;
        const found = lookup.find(at, options).then((chunks) => ((first ??= 'find'), chunks));
        void Promise.resolve().then(() => (first ??= 'a later callback'));
        return { chunks: await found, atOnce: first === 'find' };
      };
      const lookup = cached.beginLineLookup(ref);
      await new Promise((r) => setImmediate(r)); // (the stamp check comes back, as while a backend searches)
      const copied = await settlesAtOnce(lookup);
      expect(copied.atOnce).toBe(true);
      expect(copied.chunks.map((c) => c?.id ?? null)).toEqual(['fn', 'fb', null]);
      // Borrowed: the rows kept, the same objects each time; copies otherwise.
      const lent = await settlesAtOnce(lookup, { borrow: true });
      expect(lent.atOnce).toBe(true);
      expect((await lookup.find(at, { borrow: true }))[0]).toBe(lent.chunks[0]);
      expect(copied.chunks[0]).not.toBe(lent.chunks[0]);
      expect(copied.chunks[0]).toEqual(lent.chunks[0]);
      // A lookup whose check has not come back yet takes the full path, with the same answer.
      const early = await settlesAtOnce(cached.beginLineLookup(ref));
      expect(early.atOnce).toBe(false);
      expect(early.chunks.map((c) => c?.id ?? null)).toEqual(['fn', 'fb', null]);
      // A change announced after the check: the spans it passed for are dropped, and the same
      // lookup answers with the change.
      await shrinkFn(db);
      if (flavour === 'pglite') expect((await lookup.find(at)).map((c) => c?.id ?? null)).toEqual(['fa', 'fb', null]);
      else await vi.waitFor(async () => expect((await lookup.find(at)).map((c) => c?.id ?? null)).toEqual(['fa', 'fb', null]), { timeout: 5_000, interval: 5 });
    });

    // (a server only: PGlite's subscription cannot be lost)
    if (flavour === 'server') it('reads the stamp while it is not listening, and trusts nothing verified before it listens again', async () => {
      const { cached, ids, statements, shrinkFn } = await knownSnapshot('relisten');
      expect(cached.listening).toBe(true);
      expect(await statements()).toBe(0);
      const other = new PostgresStore({ connectionString: url!, min: 0, max: 1 });
      const listener = () => other.fetchValue<number>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'trawl:listen'");
      try {
        const pid = await listener();
        expect(pid).toBeTypeOf('number');
        // The listening connection dies; a change made now is announced to no one.
        await other.execute('SELECT pg_terminate_backend($1)', [pid]);
        await shrinkFn(other);
        // Listening again (a new connection, confirmed): what was verified before is checked again.
        await vi.waitFor(async () => expect([undefined, pid]).not.toContain(await listener()), { timeout: 5_000, interval: 10 });
        await vi.waitFor(() => expect(cached.listening).toBe(true), { timeout: 5_000, interval: 5 });
        expect(await ids()).toEqual(['fa', 'fb', null]);
        // Listening again and confirmed: a lookup needs no statement again.
        await vi.waitFor(async () => expect(await statements()).toBe(0), { timeout: 5_000, interval: 20 });
      } finally {
        await other.close();
      }
    });

    it('reads the stamp on every lookup where the database announces nothing (a schema without migration 0019)', async () => {
      const fresh = await createTestStore(flavour);
      try {
        const ref = { repoId: 'silent', snapshotId: 's' };
        await new PostgresChunkStore(fresh.store).saveChunks(sampleFileChunks('silent', 's', 'a.ts'));
        await fresh.store.execute('DROP TRIGGER chunk_snapshot_stamps_announce ON chunk_snapshot_stamps');
        const cached = new PostgresChunkStore(fresh.store);
        await cached.loadLineSpans(ref);
        expect(cached.listening).toBe(false);
        const lines = [{ filePath: 'a.ts', line: 15 }];
        await cached.findChunksAtLines(ref, lines); // (rows kept)
        const { queries, restore } = recordQueries(fresh.store);
        try {
          await cached.findChunksAtLines(ref, lines);
          expect(queries).toHaveLength(1);
          expect(queries[0]).toMatch(/FROM chunk_snapshot_stamps/);
        } finally {
          restore();
        }
      } finally {
        await fresh.dispose();
      }
    });

    it('stamps a snapshot in every write that changes its chunks, with a value never used before', async () => {
      const stamp = async (snapshotId: string) => (await db.fetchValue<string>("SELECT stamp::text FROM chunk_snapshot_stamps WHERE repo_id = 'stamps' AND snapshot_id = $1", [snapshotId])) ?? null;
      const s1 = { repoId: 'stamps', snapshotId: 's1' };
      const s2 = { repoId: 'stamps', snapshotId: 's2' };
      const seen = new Set<string | null>([null]);
      const changes = async (snapshotId: string, write: () => Promise<unknown>) => {
        await write();
        const now = await stamp(snapshotId);
        expect(seen.has(now), `${snapshotId} got a stamp it had before`).toBe(false);
        seen.add(now);
      };
      await changes('s1', () => chunks.saveChunks(sampleFileChunks('stamps', 's1', 'a.ts')));
      await changes('s2', () => chunks.copySnapshot(s1, s2, []));
      await changes('s2', () => chunks.saveChunks(sampleFileChunks('stamps', 's2', 'b.ts')));
      await changes('s2', () => chunks.deleteSnapshot(s2, { filePaths: ['a.ts'] }));
      await changes('s1', () => db.transaction((tx) => chunks.saveChunksIn(tx, sampleFileChunks('stamps', 's1', 'c.ts'))));
      const before = await stamp('s1');
      await chunks.purgeSnapshot(s2);
      expect([await stamp('s2'), await stamp('s1')]).toEqual([null, before]);
      await changes('s2', () => chunks.saveChunks(sampleFileChunks('stamps', 's2', 'a.ts')));
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
