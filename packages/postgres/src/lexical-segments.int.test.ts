import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceFile } from '@trawl/core';
import { createTestStore, POSTGRES_FLAVOURS, type PostgresFlavour } from '@trawl/testing';
import { lexicalSegments } from './lexical-segments.js';
import { ensureSchema } from './migrator.js';
import type { PostgresStore } from './postgres-store.js';
import { upsertSnapshotFiles } from './snapshot-files.js';

/** Text whose segments test every rule: groups of short lines, long lines cut into windows, characters outside the BMP. */
function samples(): Record<string, string> {
  const line = (n: number, fill = 'x') => fill.repeat(n);
  return {
    empty: '',
    'one line': 'const a = 1',
    'trailing newline': 'a\nb\n',
    'only newlines': '\n\n\n',
    'many short lines': Array.from({ length: 400 }, (_, i) => `  line ${i}: ${'y'.repeat(i % 90)}`).join('\n'),
    'lines at the limits': [line(4095), line(4096), line(4097), 'short', line(2047), line(2048), line(2049), 'end'].join('\n'),
    'a long line between short ones': ['a', 'b', line(10_000, 'm'), 'c', 'd'].join('\n'),
    'windows end exactly': line(2048 * 5, 'w'),
    'emoji and hangul': Array.from({ length: 300 }, (_, i) => `// 한국어 주석 ${i} 🐟🐠 ${'é'.repeat(i % 40)}`).join('\n'),
    'a long line of emoji': `x${'🐟'.repeat(5000)}y\nz`,
    'carriage returns': Array.from({ length: 200 }, (_, i) => `line ${i}\r`).join('\n'),
  };
}

const file = (path: string, content: string, hash: string): SourceFile => ({ path, language: null, contentHash: hash, sizeBytes: Buffer.byteLength(content), lineCount: content.split('\n').length, content });

describe.each(POSTGRES_FLAVOURS)('lexical segments on %s', (flavour: PostgresFlavour) => {
  let store: PostgresStore;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await createTestStore(flavour));
    await ensureSchema(store);
  });
  afterAll(async () => dispose());

  it('cuts text in Node exactly as the SQL function trawl_lexical_segments does', async () => {
    for (const [name, content] of Object.entries(samples())) {
      const sql = await store.fetch<{ start_line: number; start_column: number; text: string }>('SELECT * FROM trawl_lexical_segments($1) ORDER BY 1, 2', [content]);
      const node = lexicalSegments(content).sort((a, b) => a.startLine - b.startLine || a.startColumn - b.startColumn);
      expect(node, name).toEqual(sql.map((r) => ({ startLine: r.start_line, startColumn: r.start_column, text: r.text })));
    }
  });

  it('stores the segments of new text once, whoever else has the same text', async () => {
    const ref = { repoId: 'seg', snapshotId: 's1' };
    await store.execute(`INSERT INTO repos (repo_id, root_path) VALUES ('seg', '/tmp/seg')`);
    await store.execute(`INSERT INTO snapshots (repo_id, snapshot_id, status) VALUES ('seg', 's1', 'indexing'), ('seg', 's2', 'indexing')`);
    const texts = samples();
    const files = Object.entries(texts).map(([name, content], i) => file(`f${i}.ts`, content, `hash-${name}`));
    // the same text twice in one batch, and again in another snapshot
    await store.transaction((tx) => upsertSnapshotFiles(tx, ref, [...files, file('copy.ts', texts['many short lines']!, 'hash-many short lines')]));
    await store.transaction((tx) => upsertSnapshotFiles(tx, { ...ref, snapshotId: 's2' }, files.slice(0, 3)));
    const stored = await store.fetch<{ content_hash: string; n: number }>('SELECT content_hash, count(*)::int AS n FROM lexical_segments GROUP BY 1');
    const counts = new Map(stored.map((r) => [r.content_hash, r.n]));
    for (const [name, content] of Object.entries(texts)) expect(counts.get(`hash-${name}`) ?? 0, name).toBe(lexicalSegments(content).length);
    // and no trigger cuts them a second time
    expect(await store.fetchValue<number>(`SELECT count(*)::int FROM pg_trigger WHERE tgname = 'file_contents_lexical_segments'`)).toBe(0);
  });
});
