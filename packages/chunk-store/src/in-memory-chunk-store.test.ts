import { describeChunkStore } from '@trawl/testing';
import { InMemoryChunkStore } from './in-memory-chunk-store.js';

describeChunkStore('InMemoryChunkStore', {
  create: async () => ({ store: new InMemoryChunkStore(), dispose: async () => {} }),
});
