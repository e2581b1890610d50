import { basename, resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import type { TrawlContainer } from '@trawl/container';
import { parse } from '../args.js';
import { UsageError, type CliIo } from '../io.js';
import { ProgressReporter } from '../progress.js';

export const INDEX_HELP = `Usage: trawl index <path> [options]

Index a repository (or any folder) so it can be searched: walks it with gitignore
semantics, parses it into chunks and symbols, and feeds every configured index.
The new snapshot becomes searchable only when every index has it.

Options:
  --repo <id>       repository id (default: the folder name)
  --dry-run         list what would be indexed (counts by language, skipped files
                    with reasons) and write nothing
  --full            rebuild from scratch instead of updating the last snapshot
  --incremental     update from the last ready snapshot (the default when one exists)
  --json            print the result as JSON (no progress output)
  -h, --help        show this help

Ctrl-C stops cleanly: the snapshot being built is marked failed and the previous
one keeps answering searches.`;

export async function indexCommand(args: string[], io: CliIo, container: () => TrawlContainer): Promise<number> {
  const { values, positionals } = parse(args, { repo: { type: 'string' }, 'dry-run': { type: 'boolean' }, full: { type: 'boolean' }, incremental: { type: 'boolean' }, json: { type: 'boolean' } }, INDEX_HELP);
  if (values.help) return io.stdout.write(`${INDEX_HELP}\n`), 0;
  if (positionals.length !== 1) throw new UsageError('index needs exactly one <path>', INDEX_HELP);
  if (values.full && values.incremental) throw new UsageError('--full and --incremental contradict each other', INDEX_HELP);
  const root = resolve(io.cwd, positionals[0]!);
  const info = await stat(root).catch(() => null);
  if (!info?.isDirectory()) throw new UsageError(`${root} is not a directory`);
  const repoId = values.repo ?? basename(root).replace(/[^\w.@:+-]/g, '_');
  const trawl = container();

  if (values['dry-run']) {
    const { summary, text } = await trawl.dryRun(root, { signal: io.signal });
    io.stdout.write(values.json ? `${JSON.stringify({ repo: repoId, ...summary }, null, 2)}\n` : `${text}\n`);
    if (summary.totalFiles === 0) {
      io.stderr.write('nothing would be indexed: check the path and your ignore files\n');
      return 1;
    }
    return 0;
  }

  const reporter = new ProgressReporter(io, values.json ? 'silent' : io.stderr.isTTY ? 'tty' : 'plain');
  try {
    const result = await (await trawl.indexer()).indexRepository({
      repoId,
      root,
      incremental: values.full ? false : undefined,
      signal: io.signal,
      onProgress: reporter.handle,
    });
    reporter.finish();
    if (values.json) {
      io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      const disabled = await trawl.disabledIndexes();
      io.stdout.write(
        `${result.mode === 'unchanged' ? 'up to date' : 'indexed'} ${repoId} @ ${result.snapshotId}: ${result.files} files, ${result.chunks} chunks` +
          `${result.mode === 'incremental' ? ` (${result.changedPaths.length} changed, ${result.deletedPaths.length} deleted${result.relinkedPaths.length ? `, ${result.relinkedPaths.length} unchanged re-linked` : ''})` : ''}, ${result.skipped.length} skipped, ${(result.durationMs / 1000).toFixed(1)}s\n`,
      );
      for (const d of disabled) io.stdout.write(`  ${d.index} index off: ${d.reason}\n`);
    }
    return 0;
  } finally {
    reporter.finish();
  }
}
