import { bounded } from '@trawl/core';
import { LEXICAL_TRIGRAM_INDEX, describeSettings, type TrawlContainer } from '@trawl/container';
import { parse } from '../args.js';
import type { CliIo } from '../io.js';

export const DOCTOR_HELP = `Usage: trawl doctor [--json]

Check every configured service (database, Zoekt, Qdrant, embedding endpoint, symbol
graph) and say how to fix what fails. Exits 0 when everything answers, 5 otherwise.
Also says whether the database delivers change notifications (without them a server
reads one write stamp per lexical search: slower, still correct; not a failure), and
names indexes the configuration never reads but every write keeps up.`;

/** What to do when a component fails, by its name (`lexical:zoekt`), its backend (`postgres`) or its index (`symbol`). */
const FIXES: Record<string, string> = {
  postgres: 'check DATABASE_URL (postgres://user:password@host:5432/db) and that the server is up; unset it to use the embedded database',
  'lexical:zoekt': 'check ZOEKT_URL and that zoekt-webserver runs with -rpc; unset ZOEKT_URL to use PostgreSQL trigram search',
  'vector:qdrant': 'check QDRANT_URL / TRAWL_EMBEDDING_URL and that the services answer; unset them to turn vector search off',
  'vector:pgvector': 'check DATABASE_URL and TRAWL_EMBEDDING_URL and that they answer; unset TRAWL_EMBEDDING_URL to turn vector search off',
  symbol: 'check KUZU_PATH is writable and no other process holds the graph open for writing',
  embedding: 'check TRAWL_EMBEDDING_URL, TRAWL_EMBEDDING_MODEL and TRAWL_EMBEDDING_API_KEY',
};

export async function doctorCommand(args: string[], io: CliIo, container: () => TrawlContainer): Promise<number> {
  const { values } = parse(args, { json: { type: 'boolean' } }, DOCTOR_HELP, 0);
  if (values.help) return io.stdout.write(`${DOCTOR_HELP}\n`), 0;
  const trawl = container();
  const health = await trawl.healthCheck();
  const notifications = health.components.postgres?.ok ? await changeNotifications(trawl) : null;
  const unusedIndexes = health.components.postgres?.ok ? await unusedIndexesOf(trawl) : [];
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ settings: describeSettings(trawl.settings), ...health, notifications, unusedIndexes })}\n`);
    return health.ok ? 0 : 5;
  }
  for (const [key, value] of Object.entries(describeSettings(trawl.settings))) io.stdout.write(`${key.padEnd(11)} ${String(value)}\n`);
  io.stdout.write('\n');
  for (const [name, c] of Object.entries(health.components)) {
    const mark = !c.configured ? 'off ' : c.ok ? 'ok  ' : 'FAIL';
    const detail = !c.configured ? String(c.details?.reason ?? '') : c.ok ? `${c.latencyMs} ms` : c.error;
    io.stdout.write(`${mark} ${name.padEnd(22)} ${detail}\n`);
    if (c.configured && !c.ok) io.stdout.write(`     fix: ${fixFor(name)}\n`);
  }
  if (notifications) io.stdout.write(`${notifications.delivered ? 'ok  ' : 'note'} ${'notifications'.padEnd(22)} ${notifications.detail}\n`);
  for (const u of unusedIndexes) io.stdout.write(`note ${'unused index'.padEnd(22)} ${u.name}: ${u.reason}; drop it: ${u.drop}\n`);
  io.stdout.write(health.ok ? '\nall configured services answer\n' : '\nsome services fail: see the fixes above\n');
  return health.ok ? 0 : 5;
}

function fixFor(component: string): string {
  const [index, backend] = component.split(':');
  return FIXES[component] ?? (backend !== undefined ? FIXES[backend] : undefined) ?? FIXES[index!] ?? 'see the error above';
}

/** How long each of doctor's database checks may take. */
const CHECK_WAIT_MS = 3_000;

/**
 * Whether a `LISTEN` on the database gets its own notification back: how a server learns of an
 * indexer's writes without a query per search (see `PostgresStore.watch`).
 */
async function changeNotifications(trawl: TrawlContainer): Promise<{ delivered: boolean; detail: string }> {
  const watch = (await trawl.postgres()).watch('trawl_doctor', () => undefined);
  try {
    const delivered = await bounded(watch.ready, CHECK_WAIT_MS, () => false);
    return delivered
      ? { delivered, detail: 'delivered: servers learn of index writes without a query per search' }
      : {
          delivered,
          detail: `not delivered within ${CHECK_WAIT_MS / 1000} s (a pooler in transaction mode?): servers read one write stamp per lexical search; connect directly or in session mode`,
        };
  } finally {
    await watch.close();
  }
}

/**
 * Indexes in the database that this configuration never searches through but that every write
 * keeps up: the trigram index over file text when Zoekt serves lexical search (a database indexed
 * before migration 0020, or also searched without Zoekt, keeps it).
 */
async function unusedIndexesOf(trawl: TrawlContainer): Promise<{ name: string; reason: string; drop: string }[]> {
  if (!trawl.settings.zoekt) return [];
  const name = LEXICAL_TRIGRAM_INDEX;
  const exists = await bounded((await trawl.postgres()).fetchValue<string | null>('SELECT to_regclass($1)::text', [name]), CHECK_WAIT_MS, () => null);
  return exists
    ? [{ name, reason: 'Zoekt serves lexical search, yet every file written keeps this trigram index up (unless another setup on this database searches without Zoekt)', drop: `DROP INDEX ${name};` }]
    : [];
}
