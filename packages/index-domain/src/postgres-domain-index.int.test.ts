import { POSTGRES_FLAVOURS, createTestStore, describeDomainIndex } from '@trawl/testing';
import { PostgresDomainIndex } from './postgres-domain-index.js';

for (const flavour of POSTGRES_FLAVOURS) {
  describeDomainIndex(`PostgresDomainIndex on ${flavour}`, {
    async create() {
      const { store, dispose } = await createTestStore(flavour);
      return { index: new PostgresDomainIndex({ store }), dispose };
    },
  });
}
