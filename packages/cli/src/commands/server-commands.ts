import { resolve } from 'node:path';
import { createContainer, type TrawlContainer } from '@trawl/container';
import { runStdioServer, startMcpHttpServer } from '@trawl/mcp';
import { runServer, SERVER_DEFAULTS } from '@trawl/server';
import { parse, positiveInt } from '../args.js';
import { UsageError, type CliIo } from '../io.js';

export const SERVE_HELP = `Usage: trawl serve [options]

Start the HTTP API: search, repositories, chunks, symbols, index runs, health.
The OpenAPI document is at /openapi.json and a docs page at /docs.
SIGTERM or Ctrl-C stops accepting requests, drains the ones in flight, then closes
the stores. Once listening, it loads each repository's in-memory search tables
(TRAWL_MEMORY_CACHES) so the first searches need not, and compiles the embedded
database's WebAssembly up front (TRAWL_OPTIMIZED_WASM=0 to skip).

Options:
  --host <addr>            address to listen on (default ${SERVER_DEFAULTS.host}); any
                           non-loopback address needs a token
  --port <n>               port (default ${SERVER_DEFAULTS.port}; 0 picks a free one)
  --token <t>              bearer token every /v1 request must send (default:
                           TRAWL_API_TOKEN)
  --cors <origins>         comma-separated origins allowed by CORS (default: CORS off)
  --allow-index-root <dir> folder under which POST /v1/index-runs may index new
                           repositories (repeatable; default none: only re-index
                           known ones)
  --read-only              open the symbol graph read-only and refuse index runs, so
                           an indexer can run beside the server (needs DATABASE_URL:
                           the embedded database admits one process at a time)
  --timeout <ms>           time budget per request (default ${SERVER_DEFAULTS.requestTimeoutMs})
  --body-limit <bytes>     largest request body (default ${SERVER_DEFAULTS.bodyLimit})
  --rate-limit <n>         requests per minute per client (default ${SERVER_DEFAULTS.rateLimit.max}; 0 = off)
  -h, --help               show this help

Logs are JSON lines on stdout (level: TRAWL_LOG_LEVEL, default info).`;

export async function serveCommand(args: string[], io: CliIo, _container: () => TrawlContainer): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      host: { type: 'string' },
      port: { type: 'string' },
      token: { type: 'string' },
      cors: { type: 'string' },
      'allow-index-root': { type: 'string', multiple: true },
      'read-only': { type: 'boolean' },
      timeout: { type: 'string' },
      'body-limit': { type: 'string' },
      'rate-limit': { type: 'string' },
    },
    SERVE_HELP,
  );
  if (values.help) return io.stdout.write(`${SERVE_HELP}\n`), 0;
  if (positionals.length) throw new UsageError(`serve takes no arguments, got ${positionals.join(' ')}`, SERVE_HELP);
  const port = values.port === '0' ? 0 : positiveInt('port', values.port, SERVER_DEFAULTS.port, 65_535);
  const rate = values['rate-limit'] === '0' ? 0 : positiveInt('rate-limit', values['rate-limit'], SERVER_DEFAULTS.rateLimit.max, 1_000_000);
  const readOnly = Boolean(values['read-only']);
  // A server opens its own container: read-only when asked, and set up to run for long (the
  // in-memory search caches and optimized WebAssembly one-shot commands leave off).
  const trawl = createContainer({ readOnly, ...longRunning(io.env) }, io.env);
  try {
    await runServer({
      container: trawl,
      host: values.host,
      port,
      token: values.token ?? io.env.TRAWL_API_TOKEN ?? null,
      corsOrigins: values.cors ? (values.cors as string).split(',').map((s) => s.trim()).filter(Boolean) : undefined,
      allowIndexRoots: ((values['allow-index-root'] as string[] | undefined) ?? []).map((d) => resolve(io.cwd, d)),
      allowIndexing: !readOnly,
      requestTimeoutMs: positiveInt('timeout', values.timeout, SERVER_DEFAULTS.requestTimeoutMs, 3_600_000),
      bodyLimit: positiveInt('body-limit', values['body-limit'], SERVER_DEFAULTS.bodyLimit, 100 * 1024 * 1024),
      rateLimit: rate === 0 ? false : { max: rate, timeWindowMs: 60_000 },
      logger: { level: io.env.TRAWL_LOG_LEVEL || 'info', redact: ['req.headers.authorization'], stream: { write: (line: string) => io.stdout.write(line) } },
      stopSignal: io.signal,
      onListening: (url) => {
        io.stderr.write(`trawl: serving ${url} (docs at ${url}/docs); SIGTERM or Ctrl-C to stop\n`);
        // Load each repository's search tables now rather than on its first search.
        trawl.warmUp({ signal: io.signal }).then(
          (reports) => reports.length && io.stderr.write(`trawl: warmed ${reports.map((r) => `${r.repo} (${r.ms} ms${r.failed.length ? `; failed: ${r.failed.map((f) => `${f.part}: ${f.error}`).join(', ')}` : ''})`).join(', ')}\n`),
          (error: Error) => io.stderr.write(`trawl: warm-up failed (searches load what they need): ${error.message}\n`),
        );
      },
    });
  } finally {
    await trawl.close();
  }
  return 0;
}

export const MCP_HELP = `Usage: trawl mcp [options]

Start the MCP server (Model Context Protocol) for AI assistants. Tools: search_code,
find_symbol, find_callers, find_callees, find_references, get_chunk,
list_repositories, index_status (and index_repository with --allow-indexing).

By default it speaks over stdin/stdout; point your MCP client at the command
\`trawl mcp\`. With --http it serves Streamable HTTP at http://<host>:<port>/mcp.
The symbol graph is opened read-only so an indexer can run beside it (with
DATABASE_URL: the embedded database admits one process at a time).

Options:
  --http              serve Streamable HTTP instead of stdio
  --host <addr>       HTTP address (default 127.0.0.1; non-loopback needs a token)
  --port <n>          HTTP port (default 8378; 0 picks a free one)
  --token <t>         bearer token HTTP clients must send (default: TRAWL_API_TOKEN)
  --allow-indexing    add the index_repository tool (opens the graph read-write)
  -h, --help          show this help`;

export async function mcpCommand(args: string[], io: CliIo, _container: () => TrawlContainer): Promise<number> {
  const { values, positionals } = parse(
    args,
    { http: { type: 'boolean' }, host: { type: 'string' }, port: { type: 'string' }, token: { type: 'string' }, 'allow-indexing': { type: 'boolean' } },
    MCP_HELP,
  );
  if (values.help) return io.stdout.write(`${MCP_HELP}\n`), 0;
  if (positionals.length) throw new UsageError(`mcp takes no arguments, got ${positionals.join(' ')}`, MCP_HELP);
  if (!values.http && (values.host || values.port || values.token)) throw new UsageError('--host, --port and --token apply to --http only', MCP_HELP);
  const allowIndexing = Boolean(values['allow-indexing']);
  // Read-only unless this server may index: the graph then admits an indexer beside it.
  const trawl = createContainer({ readOnly: !allowIndexing, ...longRunning(io.env) }, io.env);
  try {
    if (!values.http) {
      await runStdioServer({ container: trawl, allowIndexing, signal: io.signal });
      return 0;
    }
    const port = values.port === '0' ? 0 : positiveInt('port', values.port, 8378, 65_535);
    const server = await startMcpHttpServer({
      container: trawl,
      allowIndexing,
      host: values.host,
      port,
      token: values.token ?? io.env.TRAWL_API_TOKEN ?? null,
      log: (line) => io.stderr.write(`${line}\n`),
    });
    io.stderr.write(`trawl: MCP over Streamable HTTP at ${server.url}; SIGTERM or Ctrl-C to stop\n`);
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve();
      io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await server.close();
    return 0;
  } finally {
    await trawl.close();
  }
}

/** Settings for a process that serves many searches, unless the environment says otherwise. */
function longRunning(env: NodeJS.ProcessEnv): { optimizedWasm?: boolean } {
  return env.TRAWL_OPTIMIZED_WASM ? {} : { optimizedWasm: true };
}
