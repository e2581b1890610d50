import type { TrawlContainer } from '@trawl/container';
import { NotFoundError } from '@trawl/core';
import { leftByDeadRun } from '@trawl/retrieval';
import { parse } from '../args.js';
import type { CliIo } from '../io.js';

export const STATUS_HELP = `Usage: trawl status [--repo <id>] [--json]

List indexed repositories and their snapshots (indexing, ready, failed), and which
indexes are on.`;

export async function statusCommand(args: string[], io: CliIo, container: () => TrawlContainer): Promise<number> {
  const { values } = parse(args, { repo: { type: 'string' }, json: { type: 'boolean' } }, STATUS_HELP, 0);
  if (values.help) return io.stdout.write(`${STATUS_HELP}\n`), 0;
  const trawl = container();
  const catalog = await trawl.catalog();
  const repos = (await catalog.listRepos({ signal: io.signal })).filter((r) => !values.repo || r.repoId === values.repo);
  const report = await Promise.all(
    repos.map(async (r) => ({ ...r, snapshots: await catalog.listSnapshots(r.repoId, { signal: io.signal }) })),
  );
  if (values.repo && report.length === 0) throw new NotFoundError(`no repository "${values.repo}": \`trawl status\` lists the indexed ones`, { component: 'cli' });
  const indexes = (await trawl.indexes()).map((i) => i.name);
  const disabled = await trawl.disabledIndexes();
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ repos: report, indexes, disabled })}\n`);
    return 0;
  }
  io.stdout.write(`indexes on: ${indexes.join(', ')}${disabled.length ? `; off: ${disabled.map((d) => `${d.index} (${d.reason})`).join(', ')}` : ''}\n`);
  if (report.length === 0) io.stdout.write('nothing indexed yet: run `trawl index <path>`\n');
  for (const r of report) {
    io.stdout.write(`${r.repoId}  ${r.rootPath ?? ''}\n`);
    for (const s of r.snapshots) {
      const when = (s.finishedAt ?? s.createdAt).toISOString();
      const stats =
        s.status === 'ready'
          ? `${s.stats.files ?? '?'} files, ${s.stats.chunks ?? '?'} chunks`
          : leftByDeadRun(s)
            ? 'left by a run that died: removed after the repository\'s next index run'
            : (s.error ?? '');
      io.stdout.write(`  ${s.snapshotId}  ${s.status.padEnd(8)} ${when}  ${stats}${s.commit ? `  commit ${s.commit.slice(0, 12)}` : ''}\n`);
    }
  }
  return 0;
}
