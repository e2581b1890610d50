// Run as a child process by kuzu-symbol-index.test.ts: opens, writes, queries and closes the
// index several times, including with a query still pending at close(). Kuzu segfaults at exit
// if a QueryResult outlives its database, so a clean exit code is the assertion.
import { KuzuSymbolIndex } from '../kuzu-symbol-index.js';

const path = process.argv[2]!;
const ref = { repoId: 'cycle', snapshotId: 's' };
for (let i = 0; i < 4; i++) {
  const index = new KuzuSymbolIndex({ path: `${path}.cycles` });
  await index.reindexRepo({
    snapshot: ref,
    rootPath: '/x',
    files: [],
    chunks: [],
    symbols: [{ id: `s${i}`, name: `sym${i}`, fqn: `a.ts:sym${i}`, kind: 'function', filePath: 'a.ts', startLine: 1, endLine: 1, chunkId: null, ownerId: null, language: null, visibility: null }],
    relations: [{ kind: 'calls', fromId: `s${i}`, toId: null, toName: 'fetch', resolved: false, filePath: 'a.ts', line: 1 }],
  });
  await index.search(ref, `sym${i}`);
  const pending = index.callees(ref, `sym${i}`);
  // (on the second connection: closed with the first, after its statements)
  const beside = index.relinkScope({ base: ref, changedPaths: ['a.ts'], addedPaths: [], deletedPaths: [], symbols: [], relations: [] });
  await index.close(); // waits for the pending queries, then closes every handle
  await pending;
  if (!(await beside).paths) throw new Error('no relink scope');
}
const reader = new KuzuSymbolIndex({ path: `${path}.cycles`, readOnly: true });
await reader.healthCheck();
await reader.close();
console.log('cycles ok');
