import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresStore } from '@trawl/postgres';

/**
 * The admin URL of the PostgreSQL server the test command started. Tests never skip when it is
 * missing: they fail and say how to run them.
 */
export function serverUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error('DATABASE_URL is not set: run the tests with `npm test`, which starts a throwaway PostgreSQL server');
  }
  return url;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates a fresh, uniquely named database on the test server; `drop()` removes it. */
export async function createTestDatabase(prefix = 'trawl_t'): Promise<TestDatabase> {
  const admin = serverUrl();
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** The two PostgreSQL flavours every Postgres-backed test runs against. */
export type PostgresFlavour = 'server' | 'pglite';
export const POSTGRES_FLAVOURS: readonly PostgresFlavour[] = ['server', 'pglite'];

/**
 * A PostgresStore on a fresh database of the given flavour, and how to dispose of it; on a server
 * also the database's URL (for a second store, as another process would have).
 */
export async function createTestStore(flavour: PostgresFlavour): Promise<{ store: PostgresStore; url?: string; dispose(): Promise<void> }> {
  if (flavour === 'pglite') {
    const store = new PostgresStore({ embedded: true });
    return { store, dispose: () => store.close() };
  }
  const db = await createTestDatabase();
  const store = new PostgresStore({ connectionString: db.url, min: 0, max: 4 });
  return {
    store,
    url: db.url,
    async dispose() {
      await store.close();
      await db.drop();
    },
  };
}

/** A labelled factory of a thing under test and how to dispose of it. */
export type TestSubject<T> = [label: string, create: () => Promise<{ subject: T; dispose(): Promise<void> }>];

/**
 * The same test subject in memory and on each PostgreSQL flavour: `[inMemoryLabel, make]`, then
 * `[\`${postgresLabel} (${flavour})\`, build on a fresh database]` for each, to run one test body
 * against every implementation.
 */
export function inMemoryAndPostgres<T>(inMemory: [label: string, make: () => T], postgres: [label: string, make: (store: PostgresStore) => T]): TestSubject<T>[] {
  return [
    [inMemory[0], async () => ({ subject: inMemory[1](), dispose: async () => {} })],
    ...POSTGRES_FLAVOURS.map((flavour): TestSubject<T> => [
      `${postgres[0]} (${flavour})`,
      async () => {
        const { store, dispose } = await createTestStore(flavour);
        return { subject: postgres[1](store), dispose };
      },
    ]),
  ];
}
