// Type-checked (tsc, module node16) against the published @trawl/chunk-store from an ESM file.
import { InMemoryChunkStore, PostgresChunkStore } from '@trawl/chunk-store';

const store = new InMemoryChunkStore();
const saved: Promise<number> = store.saveChunks([
  { repoId: 'app', snapshotId: 'abc', id: 'f', kind: 'function', filePath: 'a.ts', name: 'f', fqn: 'a.ts:f', startLine: 1, endLine: 2, contentHash: 'h' },
]);
const found = store.findChunkAtLine({ repoId: 'app', snapshotId: 'abc' }, 'a.ts', 1).then((chunk) => chunk?.kind);
export { saved, found, PostgresChunkStore };
