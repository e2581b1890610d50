// CommonJS consumer of the published @trawl/chunk-store.
const { InMemoryChunkStore, InMemoryCatalogStore } = require('@trawl/chunk-store');
const assert = require('node:assert/strict');

(async () => {
  const snapshot = { repoId: 'app', snapshotId: 'abc' };
  const store = new InMemoryChunkStore();
  await store.saveChunk({ ...snapshot, id: 'f', kind: 'function', filePath: 'lib/b.js', name: 'f', fqn: 'lib/b.js:f', startLine: 2, endLine: 9, contentHash: 'h' });
  assert.equal((await store.findChunkAtLine(snapshot, 'lib/b.js', 4))?.id, 'f');
  assert.equal(typeof InMemoryCatalogStore, 'function');
  console.log('cjs consumer: @trawl/chunk-store works');
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
