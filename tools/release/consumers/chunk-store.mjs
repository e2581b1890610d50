// ESM consumer of the published @trawl/chunk-store: save chunks, map a file line to its chunk.
import { InMemoryChunkStore } from '@trawl/chunk-store';
import assert from 'node:assert/strict';

const snapshot = { repoId: 'app', snapshotId: 'abc' };
const chunk = (id, kind, startLine, endLine, parentId) => ({
  ...snapshot, id, kind, filePath: 'src/a.ts', name: id, fqn: `src/a.ts:${id}`, startLine, endLine, contentHash: `h-${id}`, parentId,
});
const store = new InMemoryChunkStore();
await store.saveChunks([chunk('file', 'file', 1, 50), chunk('Greeter', 'class', 3, 30, 'file'), chunk('greet', 'method', 5, 12, 'Greeter')]);
assert.equal((await store.findChunkAtLine(snapshot, 'src/a.ts', 7))?.id, 'greet');
assert.equal((await store.findChunkAtLine(snapshot, 'src/a.ts', 20))?.id, 'Greeter');
assert.equal((await store.getFileChunk(snapshot, 'src/a.ts'))?.id, 'file');
console.log('esm consumer: @trawl/chunk-store works');
