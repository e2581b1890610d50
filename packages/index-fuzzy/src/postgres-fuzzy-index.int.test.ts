import { describe, expect, it } from 'vitest';
import { POSTGRES_FLAVOURS, createTestStore, describeFuzzyIndex, fixtureSnapshot } from '@trawl/testing';
import { PostgresFuzzyIndex } from './postgres-fuzzy-index.js';

for (const flavour of POSTGRES_FLAVOURS) {
  describeFuzzyIndex(`PostgresFuzzyIndex on ${flavour}`, {
    async create() {
      const { store, dispose } = await createTestStore(flavour);
      return { index: new PostgresFuzzyIndex({ store }), dispose };
    },
  });
  describeFuzzyIndex(`PostgresFuzzyIndex on ${flavour}, SQL search (cacheSize 0)`, {
    async create() {
      const { store, dispose } = await createTestStore(flavour);
      return { index: new PostgresFuzzyIndex({ store, cacheSize: 0 }), dispose };
    },
  });
}

/** Identifiers in many shapes: conventions, acronyms, digits, shared prefixes, Korean and accented names, duplicates. */
function identifiers(): string[] {
  const verbs = ['create', 'get', 'set', 'parse', 'load', 'save', 'delete', 'find', 'to', 'is'];
  const nouns = ['User', 'Order', 'HTTPRequest', 'Config', 'File', 'Chunk', 'Index', 'Item2', 'Snapshot', 'String'];
  const out: string[] = [];
  for (const v of verbs) for (const n of nouns) out.push(`${v}${n}`, `${v}_${n.toLowerCase()}`, `${v}${n}s`);
  out.push('사용자생성', '사용자', 'créerUtilisateur', 'x', 'ab', 'getUser', 'getUser', 'URL', 'parseURL', 'a1b2c3');
  return out;
}

describe.each(POSTGRES_FLAVOURS)('PostgresFuzzyIndex on %s: the in-memory search equals the SQL search', (flavour) => {
  it('returns the same rows, tiers, similarities and order for every query', async () => {
    const { store, dispose } = await createTestStore(flavour);
    try {
      const names = identifiers();
      const lines = names.map((n, i) => `function ${n}() {} // ${i}`);
      const snapshot = { repoId: 'eq', snapshotId: 's1' };
      const content = fixtureSnapshot(snapshot, [
        { path: 'src/a.ts', content: lines.join('\n'), symbols: names.map((name, i) => ({ name, kind: 'function' as const, startLine: i + 1, endLine: i + 1 })) },
      ]);
      const memory = new PostgresFuzzyIndex({ store });
      const sql = new PostgresFuzzyIndex({ store, cacheSize: 0 });
      await memory.reindexRepo(content);
      const queries = ['createUser', 'craeteUser', 'create_user', 'getuser', 'parse', 'httprequest', 'HTTPReqest', 'Snapshots', 'str', 'ab', 'x', 'a1b2', '사용자', '사용자생', 'creer', 'toString', 'is', 'zzzz', 'deleteItem2', 'CONFIG'];
      for (const q of queries) {
        for (const options of [{ limit: 20 }, { limit: 3 }, { limit: 50, threshold: 0.1 }, { limit: 10, threshold: 0.6 }]) {
          const fromMemory = await memory.search(snapshot, q, options);
          const fromSql = await sql.search(snapshot, q, options);
          expect(fromMemory, `${q} ${JSON.stringify(options)}`).toEqual(fromSql);
        }
      }
      // A write drops the in-memory table: the next search sees the new rows.
      await memory.reindexRepo(fixtureSnapshot(snapshot, [{ path: 'src/b.ts', content: 'function freshName() {}', symbols: [{ name: 'freshName', kind: 'function', startLine: 1, endLine: 1 }] }]));
      expect((await memory.search(snapshot, 'freshName')).map((h) => h.name)).toContain('freshName');
      expect(await memory.search(snapshot, 'createUser')).toEqual([]);
    } finally {
      await dispose();
    }
  });
});
describe('PostgresFuzzyIndex options', () => {
  it('rejects a threshold outside 0..1', () => {
    expect(() => new PostgresFuzzyIndex({ store: {} as never, threshold: 2 })).toThrow(/between 0 and 1/);
  });

  it('creates its store lazily, once', async () => {
    let calls = 0;
    const { store, dispose } = await createTestStore('pglite');
    try {
      const index = new PostgresFuzzyIndex({ store: () => (calls++, store) });
      expect(calls).toBe(0);
      await index.search({ repoId: 'r', snapshotId: 's' }, 'x');
      await index.search({ repoId: 'r', snapshotId: 's' }, 'y');
      expect(calls).toBe(1);
      expect((await index.healthCheck()).ok).toBe(true);
    } finally {
      await dispose();
    }
  });
});
