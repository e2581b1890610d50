/** The result shape Trawl reads from `pg` (and PGlite's node-postgres bridge). */
export interface PgQueryResultLike<R = Record<string, unknown>> {
  rows: R[];
  rowCount: number | null;
}

/** The structural subset of `pg.PoolClient` Trawl uses. */
export interface PgClientLike {
  query<R = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<PgQueryResultLike<R>>;
  release(error?: boolean | Error): void;
  /** Backend pid, used to cancel a running statement when a caller aborts. */
  processID?: number | null;
}

/**
 * The structural subset of `pg.Pool` Trawl uses, so a caller can hand in their own pool (or a
 * PGlite-backed one) without Trawl importing `pg` types into its API.
 */
export interface PgPoolLike {
  connect(): Promise<PgClientLike>;
  query<R = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<PgQueryResultLike<R>>;
  end(): Promise<void>;
  on?(event: 'error', listener: (error: Error) => void): unknown;
}
