import type { TrawlContainer } from '@trawl/container';
import { parse } from '../args.js';
import type { CliIo } from '../io.js';

export const MIGRATE_HELP = `Usage: trawl migrate [--status] [--json]

Apply pending database migrations (DATABASE_URL, or the embedded database).
Safe to run any number of times and from several processes at once: runners take
an advisory lock, each migration runs in its own transaction.

Options:
  --status     list applied and pending migrations without applying anything
  --json       print JSON`;

export async function migrateCommand(args: string[], io: CliIo, container: () => TrawlContainer): Promise<number> {
  const { values } = parse(args, { status: { type: 'boolean' }, json: { type: 'boolean' } }, MIGRATE_HELP, 0);
  if (values.help) return io.stdout.write(`${MIGRATE_HELP}\n`), 0;
  const trawl = container();
  if (values.status) {
    const status = await trawl.migrationStatus({ signal: io.signal });
    if (values.json) io.stdout.write(`${JSON.stringify({ migrations: status })}\n`);
    else for (const m of status) io.stdout.write(`${m.appliedAt ? 'applied' : 'pending'}  ${m.name}${m.appliedAt ? `  ${m.appliedAt.toISOString()}` : ''}${m.modified ? '  MODIFIED since applied' : ''}\n`);
    return status.some((m) => m.modified) ? 1 : 0;
  }
  const result = await trawl.migrate({ signal: io.signal });
  if (values.json) io.stdout.write(`${JSON.stringify(result)}\n`);
  else io.stdout.write(result.applied.length ? `applied ${result.applied.join(', ')}\n` : `up to date (${result.alreadyApplied.length} migrations applied)\n`);
  return 0;
}
