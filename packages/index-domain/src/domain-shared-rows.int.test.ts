import { describe, expect, it } from 'vitest';
import { createTestStore, fixtureDelta, fixtureSnapshot, POSTGRES_FLAVOURS, type FixtureFile } from '@trawl/testing';
import { loadMigrations, runMigrations } from '@trawl/postgres';
import { PostgresDomainIndex } from './postgres-domain-index.js';

// Documents are stored once per file version and shared between snapshots (migration 0008): an
// incremental snapshot answers like a full load, pruning one snapshot leaves the others whole, and
// versions no snapshot has any more are deleted.

const doc = (path: string, sections: string[]): FixtureFile => ({ path, content: sections.map((s) => `# ${s}\n\nAbout ${s.toLowerCase()} and indexing.`).join('\n\n') });
const code = (path: string, name: string, summary: string): FixtureFile => ({
  path,
  content: `/** ${summary} */\nexport function ${name}() {}`,
  symbols: [{ name, kind: 'function', startLine: 2, endLine: 2, summary }],
});
const V1 = [doc('README.md', ['Install', 'Usage']), doc('docs/guide.md', ['Snapshots']), code('src/a.ts', 'retry', 'Retries the request after a timeout.')];
const V2 = [doc('README.md', ['Install', 'Usage']), doc('docs/guide.md', ['Snapshots', 'Pruning']), code('src/b.ts', 'parseConfig', 'Parses the configuration file.')];
const QUERIES = ['install', 'snapshots', 'pruning', 'retry timeout', 'configuration file', 'indexing'];

for (const flavour of POSTGRES_FLAVOURS) {
  describe(`PostgresDomainIndex on ${flavour}: documents shared between snapshots`, () => {
    it('answers like a full load after an incremental run, and after its base is pruned', async () => {
      const { store, dispose } = await createTestStore(flavour);
      try {
        const index = new PostgresDomainIndex({ store });
        const s1 = fixtureSnapshot({ repoId: 'share', snapshotId: 's1' }, V1);
        const s2 = fixtureSnapshot({ repoId: 'share', snapshotId: 's2' }, V2);
        await index.reindexRepo(s1);
        const result = await index.reindexPaths(fixtureDelta(s1, s2));
        expect(result.details).toMatchObject({ carriedFiles: 1 }); // README.md
        await index.reindexRepo(fixtureSnapshot({ repoId: 'share', snapshotId: 'f2' }, V2));
        const answers = async (snapshotId: string) => {
          const out: unknown[] = [];
          for (const q of QUERIES) out.push((await index.search({ repoId: 'share', snapshotId }, q, { limit: 50 })).map((h) => ({ ...h, snapshotId: '' })));
          return out;
        };
        const expected = await answers('f2');
        expect(expected.flat().length).toBeGreaterThan(3);
        expect(await answers('s2')).toEqual(expected);
        expect((await index.search({ repoId: 'share', snapshotId: 's1' }, 'retry timeout'))[0]).toMatchObject({ filePath: 'src/a.ts' });

        await index.deleteRepo('share', 's1');
        expect(await answers('s2')).toEqual(expected);
        expect(await index.search({ repoId: 'share', snapshotId: 's1' }, 'retry timeout')).toEqual([]);
        // Only s1 had src/a.ts and the old docs/guide.md.
        const versions = await store.fetchValue<number>("SELECT count(DISTINCT (file_path, content_hash))::int FROM domain_file_documents WHERE repo_id = 'share'");
        expect(versions).toBe(3);
        await index.deleteRepo('share');
        expect(await store.fetchValue<number>("SELECT count(*)::int FROM domain_file_documents WHERE repo_id = 'share'")).toBe(0);
        expect(await store.fetchValue<number>("SELECT (SELECT count(*) FROM domain_file_spans WHERE repo_id = 'share') + (SELECT count(*) FROM domain_snapshot_gens WHERE repo_id = 'share')")).toBe('0');
      } finally {
        await dispose();
      }
    });

    it('keeps the documents of snapshots written before the migration', async () => {
      const { store, dispose } = await createTestStore(flavour);
      try {
        const all = await loadMigrations();
        await runMigrations(store, { migrations: all.filter((m) => m.name < '0008') });
        await store.execute(
          `INSERT INTO domain_documents (repo_id, snapshot_id, doc_id, source, file_path, start_line, end_line, title, body)
           VALUES ('old', 's1', 'README.md#L1', 'doc', 'README.md', 1, 3, 'Install', 'Run the installer first.')`,
        );
        await runMigrations(store, { migrations: all });
        const hits = await new PostgresDomainIndex({ store }).search({ repoId: 'old', snapshotId: 's1' }, 'installer');
        expect(hits[0]).toMatchObject({ filePath: 'README.md', name: 'Install' });
      } finally {
        await dispose();
      }
    });
  });
}
