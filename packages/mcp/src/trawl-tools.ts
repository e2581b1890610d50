import type { TrawlContainer } from '@trawl/container';
import { INDEX_NAMES, InvalidInputError, NotFoundError, TimeoutError, isTrawlError, type IndexName, type SymbolDefinition, type SymbolMatch } from '@trawl/core';
import { readChunkWithContext, toSearchResponse } from '@trawl/retrieval';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

/** Options of {@link registerTrawlTools}. */
export interface TrawlToolsOptions {
  container: TrawlContainer;
  /** Register `index_repository` (off by default: MCP clients should not write unless asked to). */
  allowIndexing?: boolean;
  /** Longest text a tool returns (default 20 000 characters); longer output is cut with a note. */
  maxOutputChars?: number;
  /** Time budget of one tool call in ms (default 60 s; `index_repository` is not limited). */
  toolTimeoutMs?: number;
}

const HOW_TO_INDEX = 'Build an index with `trawl index <path>` (using the same TRAWL_HOME or DATABASE_URL as this server), then call this tool again.';

const repoArg = z
  .string()
  .regex(/^[A-Za-z0-9_.@:+-]{1,200}$/, 'a repository id such as "app"')
  .optional()
  .describe('Repository id (see list_repositories). Optional when only one repository is indexed.');

function text(body: string, max: number, isError = false): CallToolResult {
  const cut = body.length > max ? `${body.slice(0, max)}\n… (${body.length - max} more characters cut: narrow the request with limit or a smaller range)` : body;
  return { content: [{ type: 'text', text: cut }], ...(isError ? { isError: true } : {}) };
}

function errorText(error: unknown): string {
  if (!isTrawlError(error)) return `Error: ${(error as Error)?.message ?? String(error)}`;
  // (only where an index is missing: not for a chunk, a file or a path that is not there)
  const hint = error.code === 'NOT_FOUND' && /nothing is indexed|unknown repository|no ready snapshot/i.test(error.detail) ? `\n${HOW_TO_INDEX}` : '';
  return `Error (${error.code}): ${error.detail}${hint}`;
}

function lines(rows: string[]): string {
  return rows.join('\n');
}

/** Registers Trawl's tools on an MCP server: search, symbols, chunks, files, repositories, index status. */
export function registerTrawlTools(server: McpServer, options: TrawlToolsOptions): void {
  const { container } = options;
  const max = options.maxOutputChars ?? 20_000;

  const timeoutMs = options.toolTimeoutMs ?? 60_000;
  const run =
    <A>(fn: (args: A, signal: AbortSignal) => Promise<string>, limited = true) =>
    async (args: A, extra: { signal: AbortSignal }): Promise<CallToolResult> => {
      const controller = new AbortController();
      const onAbort = () => controller.abort(extra.signal.reason);
      extra.signal.addEventListener('abort', onAbort, { once: true });
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        if (!limited) return;
        timer = setTimeout(() => {
          const error = new TimeoutError(`the tool took longer than ${timeoutMs} ms: narrow the request (smaller limit or depth) and retry`, { component: 'mcp' });
          controller.abort(error);
          reject(error);
        }, timeoutMs);
      });
      try {
        return text(await Promise.race([fn(args, controller.signal), deadline]), max);
      } catch (error) {
        return text(errorText(error), max, true);
      } finally {
        clearTimeout(timer);
        extra.signal.removeEventListener('abort', onAbort);
      }
    };

  async function resolveRepo(repo: string | undefined, signal: AbortSignal): Promise<string> {
    const catalog = await container.catalog();
    if (repo) {
      if (!(await catalog.getRepo(repo, { signal }))) throw new NotFoundError(`unknown repository "${repo}" (call list_repositories to see indexed ones)`, { component: 'mcp' });
      return repo;
    }
    const repos = await catalog.listRepos({ signal });
    if (repos.length === 1) return repos[0]!.repoId;
    if (repos.length === 0) throw new NotFoundError('nothing is indexed yet', { component: 'mcp' });
    throw new InvalidInputError(`several repositories are indexed (${repos.map((r) => r.repoId).join(', ')}): pass "repo"`, { component: 'mcp' });
  }

  async function readySnapshot(repo: string, signal: AbortSignal) {
    const snapshot = await (await container.catalog()).latestReadySnapshot(repo, { signal });
    if (!snapshot) throw new NotFoundError(`repository "${repo}" has no ready snapshot: its index has not finished`, { component: 'mcp' });
    return snapshot;
  }

  server.registerTool(
    'search_code',
    {
      title: 'Search code',
      description:
        'Search an indexed repository for code: an identifier (createUser), a path (src/users.ts), a "literal", a /regex/, or plain words (how are users created). Returns ranked chunks (file, lines, kind, name) with a preview and a chunkId for get_chunk.',
      inputSchema: {
        query: z.string().min(1).max(2000).describe('What to look for.'),
        repo: repoArg,
        limit: z.number().int().min(1).max(50).default(10).describe('Number of results (1-50).'),
        indexes: z.array(z.enum(INDEX_NAMES as unknown as [IndexName, ...IndexName[]])).min(1).max(5).optional().describe('Restrict to these indexes.'),
        regex: z.boolean().default(false).describe('Treat the query as a regular expression.'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    run(async (args: { query: string; repo?: string; limit: number; indexes?: IndexName[]; regex: boolean }, signal) => {
      const repo = await resolveRepo(args.repo, signal);
      const result = toSearchResponse(await (await container.retriever()).search(args.query, { repo, limit: args.limit, indexes: args.indexes, regex: args.regex || undefined, signal }));
      if (result.hits.length === 0) return `No results for ${JSON.stringify(args.query)} in ${repo}.`;
      const out = result.hits.map((h, i) => {
        const where = `${h.file}${h.startLine ? `:${h.startLine}-${h.endLine}` : ''}`;
        const preview = h.preview ? `\n${h.preview.split('\n').slice(0, 6).map((l) => `    ${l}`).join('\n')}` : '';
        return `${i + 1}. ${where}  ${[h.kind, h.name].filter(Boolean).join(' ')}  [${h.sources.join(', ')}]${h.stale ? ' (changed since indexed)' : ''}  chunkId=${h.chunkId}${preview}`;
      });
      const degraded = result.degraded.map((d) => `note: the ${d.index} index did not answer (${d.code}): ${d.reason}`);
      return lines([`${result.hits.length} results in ${repo}@${result.snapshot} (${result.intent} query):`, ...out, ...degraded]);
    }),
  );

  const symbolTool = (
    name: string,
    title: string,
    description: string,
    query: 'definitions' | 'callers' | 'callees' | 'references',
  ) =>
    server.registerTool(
      name,
      {
        title,
        description,
        inputSchema: {
          name: z.string().min(1).max(500).describe('Symbol name or qualified name, e.g. createUser or UserService.createUser.'),
          repo: repoArg,
          ...(query === 'callers' || query === 'callees' ? { depth: z.number().int().min(1).max(5).default(1).describe('How many call hops to follow (1-5).') } : {}),
          limit: z.number().int().min(1).max(200).default(50).describe('Most results to return.'),
        },
        annotations: { readOnlyHint: true, openWorldHint: false },
      },
      run(async (args: { name: string; repo?: string; depth?: number; limit: number }, signal) => {
        const repo = await resolveRepo(args.repo, signal);
        const snapshot = await readySnapshot(repo, signal);
        const symbols = await container.symbols();
        if (!symbols) {
          const reason = (await container.disabledIndexes()).find((d) => d.index === 'symbol')?.reason ?? 'not configured';
          return `The symbol index is unavailable (${reason}). ${HOW_TO_INDEX} Meanwhile search_code finds definitions by name.`;
        }
        const rows: (SymbolDefinition | SymbolMatch)[] = await symbols[query](snapshot, args.name, { limit: args.limit, depth: args.depth, signal });
        if (rows.length === 0) return `No ${query} found for ${args.name} in ${repo}.`;
        return lines([
          `${rows.length} ${rows.length === 1 ? query.slice(0, -1) : query} of ${args.name} in ${repo}@${snapshot.snapshotId}:`,
          ...rows.map((row) => {
            const s = 'symbol' in row ? row.symbol : row;
            const site = 'site' in row && row.site ? `  (at ${row.site.filePath}:${row.site.line})` : '';
            const depth = 'depth' in row && row.depth > 1 ? `  [depth ${row.depth}]` : '';
            return `- ${s.kind} ${s.fqn}  ${s.filePath}:${s.startLine}-${s.endLine}${site}${depth}${s.chunkId ? `  chunkId=${s.chunkId}` : ''}`;
          }),
        ]);
      }),
    );
  symbolTool('find_symbol', 'Find symbol definitions', 'Where is a symbol (function, class, method, type...) defined? Uses the symbol graph.', 'definitions');
  symbolTool('find_callers', 'Find callers', 'Who calls this function or method (optionally several hops up)?', 'callers');
  symbolTool('find_callees', 'Find callees', 'What does this function or method call (optionally several hops down)?', 'callees');
  symbolTool('find_references', 'Find references', 'Where is this symbol referenced?', 'references');

  server.registerTool(
    'get_chunk',
    {
      title: 'Get a chunk',
      description: 'Show the code of a chunk (from search_code or a symbol tool) with line numbers and surrounding context lines.',
      inputSchema: {
        chunkId: z.string().min(1).max(512).describe('The chunkId from a search result.'),
        repo: repoArg,
        context: z.number().int().min(0).max(50).default(5).describe('Lines to show before and after the chunk.'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    run(async (args: { chunkId: string; repo?: string; context: number }, signal) => {
      const repo = await resolveRepo(args.repo, signal);
      const snapshot = await readySnapshot(repo, signal);
      const chunk = await readChunkWithContext({ catalog: await container.catalog(), chunks: await container.chunks() }, snapshot, args.chunkId, { context: args.context, maxLines: 400, signal });
      const width = String(chunk.toLine).length;
      return lines([
        `${chunk.file}:${chunk.startLine}-${chunk.endLine}  ${chunk.kind}${chunk.name ? ` ${chunk.name}` : ''}  (${repo}@${chunk.snapshot})`,
        ...chunk.lines.map((l) => `${String(l.line).padStart(width)}${l.inChunk ? ' |' : ' :'} ${l.text}`),
        ...(chunk.truncated ? ['… (cut at 400 lines)'] : []),
      ]);
    }),
  );

  server.registerTool(
    'list_repositories',
    {
      title: 'List repositories',
      description: 'The indexed repositories with their latest searchable snapshot.',
      inputSchema: {},
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    run(async (_args: Record<string, never>, signal) => {
      const catalog = await container.catalog();
      const repos = await catalog.listRepos({ signal });
      if (repos.length === 0) return `Nothing is indexed yet. ${HOW_TO_INDEX}`;
      const rows = await Promise.all(
        repos.map(async (r) => {
          const latest = await catalog.latestReadySnapshot(r.repoId, { signal });
          return `- ${r.repoId}${r.rootPath ? `  (${r.rootPath})` : ''}  ${latest ? `ready snapshot ${latest.snapshotId}, indexed ${latest.finishedAt?.toISOString() ?? ''}` : 'no ready snapshot yet'}`;
        }),
      );
      return lines([`${repos.length} indexed repositories:`, ...rows]);
    }),
  );

  server.registerTool(
    'index_status',
    {
      title: 'Index status',
      description: 'Snapshots of a repository (indexing, ready or failed, with counts) and which indexes are switched off and why.',
      inputSchema: { repo: repoArg },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    run(async (args: { repo?: string }, signal) => {
      const repo = await resolveRepo(args.repo, signal);
      const snapshots = await (await container.catalog()).listSnapshots(repo, { signal });
      const disabled = await container.disabledIndexes();
      return lines([
        `Repository ${repo}:`,
        ...(snapshots.length ? snapshots.slice(0, 10) : []).map(
          (s) => `- ${s.snapshotId}  ${s.status}${s.commit ? `  commit ${s.commit.slice(0, 12)}` : ''}  started ${s.createdAt.toISOString()}${s.error ? `  error: ${s.error}` : ''}${Object.keys(s.stats).length ? `  ${JSON.stringify(s.stats)}` : ''}`,
        ),
        ...(snapshots.length ? [] : [`no snapshots. ${HOW_TO_INDEX}`]),
        ...disabled.map((d) => `${d.index} index off: ${d.reason}`),
      ]);
    }),
  );

  if (options.allowIndexing) {
    server.registerTool(
      'index_repository',
      {
        title: 'Index a repository',
        description: 'Index (or update the index of) a folder on this machine so it can be searched. Incremental when it was indexed before.',
        inputSchema: {
          path: z.string().min(1).max(4096).describe('Absolute path of the folder to index.'),
          repo: repoArg,
          full: z.boolean().default(false).describe('Rebuild from scratch instead of updating.'),
        },
        annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
      },
      run(async (args: { path: string; repo?: string; full: boolean }, signal) => {
        const { basename, isAbsolute } = await import('node:path');
        if (!isAbsolute(args.path)) throw new InvalidInputError(`"path" must be absolute, got ${JSON.stringify(args.path)}`, { component: 'mcp' });
        const repoId = args.repo ?? basename(args.path).replace(/[^\w.@:+-]/g, '_');
        const result = await (await container.indexer()).indexRepository({ repoId, root: args.path, incremental: args.full ? false : undefined, signal });
        return `${result.mode === 'unchanged' ? 'Up to date' : 'Indexed'} ${repoId}@${result.snapshotId}: ${result.files} files, ${result.chunks} chunks (${result.mode}), ${result.skipped.length} skipped, ${Math.round(result.durationMs)} ms.`;
      }, false),
    );
  }
}
