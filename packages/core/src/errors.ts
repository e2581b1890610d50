/**
 * Every error Trawl throws is a {@link TrawlError} with a `code` from this closed set,
 * so callers branch on `error.code` (or `instanceof` a subclass) rather than on messages.
 */
export type TrawlErrorCode =
  | 'CONFIG'
  | 'INVALID_INPUT'
  | 'INVALID_QUERY'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'BACKEND_UNAVAILABLE'
  | 'BACKEND_ERROR'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'INTERNAL';

export const TRAWL_ERROR_CODES: readonly TrawlErrorCode[] = [
  'CONFIG',
  'INVALID_INPUT',
  'INVALID_QUERY',
  'NOT_FOUND',
  'CONFLICT',
  'BACKEND_UNAVAILABLE',
  'BACKEND_ERROR',
  'TIMEOUT',
  'ABORTED',
  'INTERNAL',
];

export interface TrawlErrorOptions {
  /** The layer that raised it, e.g. `postgres`, `zoekt`, `chunk-store`. Prefixed to the message. */
  component?: string;
  cause?: unknown;
  /** Structured facts for logs and API responses. Never put secrets here. */
  context?: Record<string, unknown>;
}

/**
 * Base error of every Trawl package. The message reads `[trawl] [component] what was wrong`,
 * and says what to do where that is known.
 *
 * ```ts
 * try { await store.fetch('select 1') }
 * catch (e) { if (isTrawlError(e) && e.code === 'BACKEND_UNAVAILABLE') retryLater() }
 * ```
 */
export class TrawlError extends Error {
  override name = 'TrawlError';
  readonly code: TrawlErrorCode;
  readonly component: string | undefined;
  readonly context: Record<string, unknown>;
  /** The message without the `[trawl] [component]` prefix, for API responses. */
  readonly detail: string;

  constructor(code: TrawlErrorCode, message: string, options: TrawlErrorOptions = {}) {
    const prefix = options.component ? `[trawl] [${options.component}] ` : '[trawl] ';
    super(prefix + message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.component = options.component;
    this.context = options.context ?? {};
    this.detail = message;
  }

  toJSON(): { code: TrawlErrorCode; message: string; component?: string; context?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.detail,
      ...(this.component ? { component: this.component } : {}),
      ...(Object.keys(this.context).length ? { context: this.context } : {}),
    };
  }
}

/** Settings are missing, malformed or contradictory. Fix the configuration; retrying will not help. */
export class ConfigError extends TrawlError {
  override name = 'ConfigError';
  constructor(message: string, options?: TrawlErrorOptions) {
    super('CONFIG', message, options);
  }
}

/** A caller passed data that breaks the model (end line before start line, empty id, ...). Nothing was written. */
export class InvalidInputError extends TrawlError {
  override name = 'InvalidInputError';
  constructor(message: string, options?: TrawlErrorOptions) {
    super('INVALID_INPUT', message, options);
  }
}

/** A search query the backend cannot run (bad regex, empty query). */
export class InvalidQueryError extends TrawlError {
  override name = 'InvalidQueryError';
  constructor(message: string, options?: TrawlErrorOptions) {
    super('INVALID_QUERY', message, options);
  }
}

/** A repository, snapshot, chunk or symbol that does not exist. */
export class NotFoundError extends TrawlError {
  override name = 'NotFoundError';
  constructor(message: string, options?: TrawlErrorOptions) {
    super('NOT_FOUND', message, options);
  }
}

/** Another writer or run holds what this call needs (a Kuzu write lock, an index run in progress). */
export class ConflictError extends TrawlError {
  override name = 'ConflictError';
  constructor(message: string, options?: TrawlErrorOptions) {
    super('CONFLICT', message, options);
  }
}

/** The backend could not be reached (connection refused, DNS failure, server shutting down). Retry later. */
export class BackendUnavailableError extends TrawlError {
  override name = 'BackendUnavailableError';
  constructor(message: string, options?: TrawlErrorOptions) {
    super('BACKEND_UNAVAILABLE', message, options);
  }
}

/** The operation ran out of its time budget. */
export class TimeoutError extends TrawlError {
  override name = 'TimeoutError';
  constructor(message: string, options?: TrawlErrorOptions) {
    super('TIMEOUT', message, options);
  }
}

/** The caller's AbortSignal fired. */
export class AbortedError extends TrawlError {
  override name = 'AbortedError';
  constructor(message = 'operation aborted', options?: TrawlErrorOptions) {
    super('ABORTED', message, options);
  }
}

export function isTrawlError(value: unknown): value is TrawlError {
  return value instanceof TrawlError;
}

/** Throws an {@link AbortedError} if the signal has fired; call before starting I/O. */
export function throwIfAborted(signal: AbortSignal | undefined, component?: string): void {
  if (signal?.aborted) {
    throw new AbortedError('operation aborted', { component, cause: signal.reason });
  }
}
