import { AbortedError, BackendUnavailableError, ConfigError, InvalidQueryError, TimeoutError, TrawlError, isTrawlError } from '@trawl/core';

const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

interface PgLikeError {
  code?: string;
  message?: string;
  detail?: string;
  hint?: string;
  position?: string;
}

/**
 * Turns whatever pg / PGlite threw into a TrawlError a caller can branch on: connection problems
 * become BackendUnavailableError, statement timeouts TimeoutError, bad SQL input InvalidQueryError.
 */
export function toTrawlError(error: unknown, what: string): TrawlError {
  if (isTrawlError(error)) return error;
  const e = (error ?? {}) as PgLikeError;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = e.message || String(error);
  const options = { component: 'postgres', cause: error, context: code ? { pgCode: code } : {} };
  if ((error as Error)?.name === 'AbortError') return new AbortedError(`${what} aborted`, options);
  if (code && UNAVAILABLE_NODE_CODES.has(code)) {
    return new BackendUnavailableError(`${what} failed: cannot reach PostgreSQL (${code}). Is the server running and the URL right?`, options);
  }
  if (/Connection terminated|connect ECONNREFUSED|timeout expired|Connection ended/i.test(message) && !code?.match(/^[0-9A-Z]{5}$/)) {
    return new BackendUnavailableError(`${what} failed: ${message}`, options);
  }
  if (code) {
    // SQLSTATE classes: 08 connection, 57P0x shutdown / cannot connect now, 53 insufficient resources.
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code.startsWith('53')) {
      return new BackendUnavailableError(`${what} failed: PostgreSQL is unavailable: ${message}`, options);
    }
    if (code === '57014') return new TimeoutError(`${what} was cancelled after its time budget: ${message}`, options);
    if (code === '28P01' || code === '28000') return new ConfigError(`${what} failed: authentication rejected: ${message}. Check the user and password.`, options);
    if (code === '3D000') return new ConfigError(`${what} failed: ${message}. Create the database or fix the URL.`, options);
    if (code === '2201B') return new InvalidQueryError(`invalid regular expression: ${message}`, options);
  }
  const extra = [e.detail, e.hint].filter(Boolean).join(' ');
  return new TrawlError('BACKEND_ERROR', `${what} failed: ${message}${extra ? ` (${extra})` : ''}`, options);
}
