import { describeCatalogStore } from '@trawl/testing';
import { InMemoryCatalogStore } from './in-memory-catalog-store.js';

describeCatalogStore('InMemoryCatalogStore', { create: async () => ({ store: new InMemoryCatalogStore(), dispose: async () => {} }) });
