import { describe, expect, it } from 'vitest';
import { PostgresStore } from './postgres-store.js';

// Its own file: the option sets a V8 flag for the whole process (this test file's worker).
describe('embedded PostgreSQL with optimizedWasm', () => {
  it('starts, answers and closes like the default', async () => {
    const store = new PostgresStore({ embedded: { optimizedWasm: true, vector: false } });
    try {
      await store.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm');
      expect(await store.fetchValue<boolean>(`SELECT similarity('parse', 'parser') > 0.5`)).toBe(true);
      expect(await store.fetchValue<string>('SELECT $1::text', ['한국어'])).toBe('한국어');
    } finally {
      await store.close();
    }
  });
});
