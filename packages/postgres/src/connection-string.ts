import { ConfigError } from '@trawl/core';

/** Replaces the password of a connection string with `***` so it can be logged. */
export function redactConnectionString(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    // Not a URL: hide anything that looks like user:password@ or password=...
    return value.replace(/:\/\/([^:/@]*):[^@]*@/, '://$1:***@').replace(/(password\s*=\s*)\S+/gi, '$1***');
  }
}

/**
 * Checks a PostgreSQL connection string up front so a typo fails at configuration time with a
 * message that names the problem (never the password), instead of as a connect timeout later.
 */
export function validateConnectionString(value: unknown, setting = 'DATABASE_URL'): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError(`${setting} is empty: expected postgres://user:password@host:5432/database`, { component: 'postgres' });
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(
      // Not echoed: an unparseable string may hold a password we cannot locate to hide.
      `${setting} is not a URL: expected postgres://user:password@host:5432/database`,
      { component: 'postgres' },
    );
  }
  const shown = JSON.stringify(redactConnectionString(value));
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(`${setting} ${shown} has scheme "${url.protocol.replace(/:$/, '')}": use postgres:// or postgresql://`, {
      component: 'postgres',
    });
  }
  // A socket directory may be given as ?host=/var/run/postgresql with an empty host.
  if (!url.hostname && !url.searchParams.get('host')) {
    throw new ConfigError(`${setting} ${shown} names no host: add one (postgres://user@localhost:5432/db) or ?host=/socket/dir`, {
      component: 'postgres',
    });
  }
  if (url.port !== '' && !/^\d+$/.test(url.port)) {
    throw new ConfigError(`${setting} ${shown} has an invalid port`, { component: 'postgres' });
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database.includes('/')) {
    throw new ConfigError(`${setting} ${shown} has an invalid database name "${database}"`, { component: 'postgres' });
  }
  return value;
}
