import type { TrawlContainer } from '@trawl/container';
import { ConfigError, type SymbolDefinition, type SymbolMatch } from '@trawl/core';
import { parse, positiveInt } from '../args.js';
import { UsageError, type CliIo } from '../io.js';
import { resolveRepo } from '../repo-resolution.js';

export const SYMBOLS_HELP = `Usage: trawl symbols <def|callers|callees|refs|impls> <name> [options]

Query the symbol graph of an indexed repository.
  def       where <name> is defined
  callers   who calls <name> (to --depth hops)
  callees   what <name> calls (to --depth hops)
  refs      where <name> is referenced
  impls     implementations and subclasses of <name>

Options:
  --repo <id>      repository (default: as for search)
  --depth <n>      hops for callers/callees (default 1, max 5)
  --limit <n>      results (default 50, max 1000)
  --json           print JSON
  -h, --help       show this help`;

const ACTIONS = ['def', 'callers', 'callees', 'refs', 'impls'] as const;

export async function symbolsCommand(args: string[], io: CliIo, container: () => TrawlContainer): Promise<number> {
  const { values, positionals } = parse(args, { repo: { type: 'string' }, depth: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } }, SYMBOLS_HELP);
  if (values.help) return io.stdout.write(`${SYMBOLS_HELP}\n`), 0;
  const [action, ...rest] = positionals;
  if (!action || !(ACTIONS as readonly string[]).includes(action)) throw new UsageError(`symbols needs one of ${ACTIONS.join(', ')}`, SYMBOLS_HELP);
  if (rest.length !== 1) throw new UsageError(`symbols ${action} needs exactly one <name>`, SYMBOLS_HELP);
  const name = rest[0]!;
  const depth = positiveInt('depth', values.depth, 1, 5);
  const limit = positiveInt('limit', values.limit, 50, 1000);
  const trawl = container();
  const repo = await resolveRepo(trawl, values.repo, io.cwd);
  const snapshot = await (await trawl.catalog()).latestReadySnapshot(repo, { signal: io.signal });
  if (!snapshot) throw new ConfigError(`repository "${repo}" has no ready snapshot: run \`trawl index\` first`, { component: 'cli' });
  const symbols = await trawl.symbols();
  if (!symbols) {
    const reason = (await trawl.disabledIndexes()).find((d) => d.index === 'symbol')?.reason ?? 'not configured';
    throw new ConfigError(`the symbol index is off: ${reason}`, { component: 'cli' });
  }
  const opts = { limit, depth, signal: io.signal };
  let rows: (SymbolDefinition | SymbolMatch)[];
  switch (action as (typeof ACTIONS)[number]) {
    case 'def':
      rows = await symbols.definitions(snapshot, name, opts);
      break;
    case 'callers':
      rows = await symbols.callers(snapshot, name, opts);
      break;
    case 'callees':
      rows = await symbols.callees(snapshot, name, opts);
      break;
    case 'refs':
      rows = await symbols.references(snapshot, name, opts);
      break;
    case 'impls':
      rows = await symbols.implementations(snapshot, name, opts);
      break;
  }
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ repo, snapshot: snapshot.snapshotId, action, name, results: rows })}\n`);
    return 0;
  }
  if (rows.length === 0) io.stdout.write(`no ${action} results for ${name} in ${repo}\n`);
  for (const row of rows) {
    const s = 'symbol' in row ? row.symbol : row;
    const site = 'site' in row && row.site ? `  (at ${row.site.filePath}:${row.site.line})` : '';
    const depthNote = 'depth' in row && row.depth > 1 ? `  [depth ${row.depth}]` : '';
    io.stdout.write(`${s.filePath}:${s.startLine}-${s.endLine}  ${s.kind} ${s.fqn}${site}${depthNote}\n`);
  }
  return 0;
}
