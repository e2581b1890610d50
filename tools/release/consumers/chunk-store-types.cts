// Type-checked (tsc, module node16) against the published @trawl/chunk-store from a CommonJS file.
import chunkStore = require('@trawl/chunk-store');

const store = new chunkStore.InMemoryChunkStore();
export const line: Promise<string | undefined> = store.getFileChunk({ repoId: 'app', snapshotId: 'abc' }, 'a.ts').then((chunk) => chunk?.id);
