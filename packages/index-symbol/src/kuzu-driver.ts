import { BackendUnavailableError } from '@trawl/core';

/** The parts of a Kuzu `QueryResult` Trawl uses. Every result must be closed. */
export interface KuzuQueryResultLike {
  getAll(): Promise<Record<string, unknown>[]>;
  close(): void;
}

export type KuzuPreparedStatementLike = object;

/** The parts of a Kuzu `Connection` Trawl uses. */
export interface KuzuConnectionLike {
  init(): Promise<void>;
  query(statement: string): Promise<KuzuQueryResultLike | KuzuQueryResultLike[]>;
  prepare(statement: string): Promise<KuzuPreparedStatementLike>;
  execute(statement: KuzuPreparedStatementLike, params?: Record<string, unknown>): Promise<KuzuQueryResultLike | KuzuQueryResultLike[]>;
  setQueryTimeout(timeoutInMs: number): void;
  close(): Promise<void>;
}

/** The parts of a Kuzu `Database` Trawl uses. */
export interface KuzuDatabaseLike {
  init(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The Kuzu module, typed structurally so that `kuzu` (the default) and its maintained fork
 * `lbug`, which exposes the same API, can both be injected.
 */
export interface KuzuDriver {
  Database: new (
    databasePath?: string,
    bufferManagerSize?: number,
    enableCompression?: boolean,
    readOnly?: boolean,
    maxDBSize?: number,
    autoCheckpoint?: boolean,
    checkpointThreshold?: number,
  ) => KuzuDatabaseLike;
  Connection: new (database: KuzuDatabaseLike, numThreads?: number) => KuzuConnectionLike;
}

/** Loads the `kuzu` package on first use, with an error that says what to install when it is missing. */
export async function loadDefaultKuzuDriver(): Promise<KuzuDriver> {
  try {
    const mod = (await import('kuzu')) as unknown as { default?: KuzuDriver } & KuzuDriver;
    return mod.default ?? mod;
  } catch (cause) {
    throw new BackendUnavailableError('cannot load the kuzu package: install kuzu@0.11.3 (or inject a driver such as lbug)', { component: 'index-symbol', cause });
  }
}

/** Closes every result of a query, the only safe state before the database closes. */
export function closeResults(result: KuzuQueryResultLike | KuzuQueryResultLike[] | null | undefined): void {
  if (!result) return;
  for (const r of Array.isArray(result) ? result : [result]) {
    try {
      r.close();
    } catch {
      // already closed
    }
  }
}
