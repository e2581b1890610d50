import { createTestStore, describeCatalogStore, POSTGRES_FLAVOURS } from '@trawl/testing';
import { PostgresCatalogStore } from './postgres-catalog-store.js';

for (const flavour of POSTGRES_FLAVOURS) {
  describeCatalogStore(`PostgresCatalogStore (${flavour})`, {
    async create() {
      const { store, dispose } = await createTestStore(flavour);
      return { store: new PostgresCatalogStore(store), dispose };
    },
  });
}
