import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { CatalogStore, SourceFileInfo } from '@trawl/core';
import { InMemoryCatalogStore, InMemoryChunkStore, PostgresCatalogStore } from '@trawl/chunk-store';
import { inMemoryAndPostgres, TimedLineParser } from '@trawl/testing';
import { Indexer } from './indexer.js';

// The indexer keeps the file list of the newest snapshot it made and hands it to the next run's
// scan instead of reading it back: it must be what the catalog lists, on every catalog.
const catalogs = inMemoryAndPostgres<CatalogStore>(['InMemoryCatalogStore', () => new InMemoryCatalogStore()], ['PostgresCatalogStore', (store) => new PostgresCatalogStore(store)]);

for (const [name, create] of catalogs) {
  describe(`Indexer with ${name}`, () => {
    it('hands the next run the newest snapshot\'s files as the catalog lists them, without reading them back', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'trawl-kept-'));
      const { subject: catalog, dispose } = await create();
      try {
        await writeFile(join(dir, 'a.ts'), 'function a() {}\n');
        await writeFile(join(dir, 'b.ts'), 'function b() {}\n');
        await writeFile(join(dir, 'README.md'), '# Kept\n');
        const parser = new TimedLineParser();
        parser.times.set('README.md', null); // too recent to trust
        const listed = vi.spyOn(catalog, 'listFiles');
        const chunks = new InMemoryChunkStore();
        const indexer = new Indexer({ catalog, chunks, parser, indexes: [] });
        const byPath = (files: Iterable<SourceFileInfo>) => [...files].sort((x, y) => (x.path < y.path ? -1 : 1));
        let previous = await indexer.indexRepository({ repoId: 'kept', root: dir });
        const steps: [string, () => Promise<unknown>][] = [
          ['b.ts edited', () => writeFile(join(dir, 'b.ts'), 'function b() { return 2 }\n')],
          ['c.ts added, a.ts deleted, README.md\'s time trusted now', async () => {
            await writeFile(join(dir, 'c.ts'), 'function c() {}\n');
            await rm(join(dir, 'a.ts'));
            parser.times.set('README.md', 400);
          }],
          ['nothing changed but README.md\'s time', async () => parser.times.set('README.md', 500)],
          ['README.md edited', () => writeFile(join(dir, 'README.md'), '# Kept, edited\n')],
        ];
        for (const [step, change] of steps) {
          await change();
          const inCatalog = await catalog.listFiles(previous);
          const calls = listed.mock.calls.length;
          const run = await indexer.indexRepository({ repoId: 'kept', root: dir });
          expect(listed.mock.calls.length, step).toBe(calls); // not read back
          expect(byPath(parser.seen.at(-1)!.values()), step).toEqual(inCatalog);
          if (run.mode !== 'unchanged') previous = run;
        }
        // Another indexer (another process) has nothing kept: it reads the catalog.
        const calls = listed.mock.calls.length;
        await new Indexer({ catalog, chunks, parser, indexes: [] }).indexRepository({ repoId: 'kept', root: dir });
        expect(listed.mock.calls.length).toBe(calls + 1);
      } finally {
        await dispose();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}
