import { INDEX_NAMES, type IndexName } from '@trawl/core';
import type { TrawlContainer } from '@trawl/container';
import { toSearchResponse } from '@trawl/retrieval';
import { parse, positiveInt } from '../args.js';
import { UsageError, type CliIo } from '../io.js';
import { resolveRepo } from '../repo-resolution.js';

export const SEARCH_HELP = `Usage: trawl search <query> [options]

Search an indexed repository through every configured index and fuse the results.
The query's shape picks the weights: an identifier (createUser), a path
(src/users.ts), a "literal", a /regex/, or plain words (how are users created).

Options:
  --repo <id>          repository (default: the one containing the current folder,
                       or the only one indexed)
  --limit <n>          number of results (default 10, max 200)
  --index <names>      comma-separated subset of: ${INDEX_NAMES.join(', ')}
  --snapshot <id>      search this snapshot instead of the latest ready one
  --regex              treat the query as a regular expression
  --json               print {"hits":[...],"degraded":[...],"tookMs":N}
  -h, --help           show this help`;


export async function searchCommand(args: string[], io: CliIo, container: () => TrawlContainer): Promise<number> {
  const { values, positionals } = parse(
    args,
    { repo: { type: 'string' }, limit: { type: 'string' }, index: { type: 'string' }, snapshot: { type: 'string' }, regex: { type: 'boolean' }, json: { type: 'boolean' } },
    SEARCH_HELP,
  );
  if (values.help) return io.stdout.write(`${SEARCH_HELP}\n`), 0;
  if (positionals.length === 0) throw new UsageError('search needs a <query>', SEARCH_HELP);
  const query = positionals.join(' ');
  const limit = positiveInt('limit', values.limit, 10, 200);
  let indexes: IndexName[] | undefined;
  if (values.index) {
    indexes = (values.index as string).split(",").map((s: string) => s.trim()).filter(Boolean) as IndexName[];
    if (indexes.length === 0) throw new UsageError(`--index names no index: use one or more of ${INDEX_NAMES.join(', ')}, comma-separated`);
    const unknown = indexes.filter((i) => !INDEX_NAMES.includes(i));
    if (unknown.length) throw new UsageError(`unknown index ${unknown.map((u) => `"${u}"`).join(', ')}: use ${INDEX_NAMES.join(', ')}`);
  }
  const trawl = container();
  const repo = await resolveRepo(trawl, values.repo, io.cwd);
  const result = await (await trawl.retriever()).search(query, { repo, limit, indexes, snapshot: values.snapshot, regex: values.regex, signal: io.signal });
  if (values.json) {
    io.stdout.write(`${JSON.stringify(toSearchResponse(result))}\n`);
    return 0;
  }
  if (result.hits.length === 0) io.stdout.write(`no results for ${JSON.stringify(query)} in ${repo}\n`);
  result.hits.forEach((h, i) => {
    const lines = h.startLine ? `:${h.startLine}${h.endLine && h.endLine !== h.startLine ? `-${h.endLine}` : ''}` : '';
    const what = [h.kind, h.name].filter(Boolean).join(' ');
    io.stdout.write(`${String(i + 1).padStart(2)}. ${h.file}${lines}  ${what}  [${h.sources.map((s) => s.index).join(', ')}]${h.stale ? '  (changed since indexed)' : ''}\n`);
    if (h.preview) for (const line of h.preview.split('\n').slice(0, 4)) io.stdout.write(`      ${line}\n`);
  });
  for (const d of result.degraded) io.stderr.write(`warning: ${d.index} index did not answer (${d.code}): ${d.reason}\n`);
  io.stderr.write(`${result.hits.length} results in ${result.tookMs} ms (${result.intent}, snapshot ${result.snapshot})\n`);
  return 0;
}
