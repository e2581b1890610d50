import { createContainer, type TrawlContainer } from '@trawl/container';
import { isTrawlError } from '@trawl/core';
import { EXIT, UsageError, type CliIo } from './io.js';
import { INDEX_HELP, indexCommand } from './commands/index-command.js';
import { SEARCH_HELP, searchCommand } from './commands/search-command.js';
import { SYMBOLS_HELP, symbolsCommand } from './commands/symbols-command.js';
import { STATUS_HELP, statusCommand } from './commands/status-command.js';
import { MIGRATE_HELP, migrateCommand } from './commands/migrate-command.js';
import { DOCTOR_HELP, doctorCommand } from './commands/doctor-command.js';
import { SERVE_HELP, serveCommand, MCP_HELP, mcpCommand } from './commands/server-commands.js';

export type Command = (args: string[], io: CliIo, container: () => TrawlContainer) => Promise<number>;

/** Every subcommand with its one-line summary and full help. */
export const COMMANDS: Record<string, { run: Command; summary: string; help: string }> = {
  index: { run: indexCommand, summary: 'index a repository (or --dry-run to see what would be indexed)', help: INDEX_HELP },
  search: { run: searchCommand, summary: 'search an indexed repository', help: SEARCH_HELP },
  symbols: { run: symbolsCommand, summary: 'definitions, callers, callees, references, implementations', help: SYMBOLS_HELP },
  status: { run: statusCommand, summary: 'indexed repositories, snapshots and indexes', help: STATUS_HELP },
  migrate: { run: migrateCommand, summary: 'apply database migrations', help: MIGRATE_HELP },
  doctor: { run: doctorCommand, summary: 'check every configured service and say how to fix failures', help: DOCTOR_HELP },
  serve: { run: serveCommand, summary: 'start the HTTP API server', help: SERVE_HELP },
  mcp: { run: mcpCommand, summary: 'start the MCP server (stdio or streamable HTTP)', help: MCP_HELP },
};

export const MAIN_HELP = `Usage: trawl <command> [options]

Trawl indexes source repositories into chunks (files, classes, functions) and finds
the right one through five indexes: lexical, vector, symbol, fuzzy and domain.

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`)
  .join('\n')}

Run \`trawl <command> --help\` for a command's options.

Storage: by default everything lives under ./.trawl (or TRAWL_HOME): an embedded
PostgreSQL (PGlite) and a Kuzu graph, nothing to install. Set DATABASE_URL,
ZOEKT_URL + ZOEKT_INDEX_DIR, QDRANT_URL and TRAWL_EMBEDDING_URL + TRAWL_EMBEDDING_MODEL
to use real services instead.

Exit codes: 0 ok, 1 failure, 2 usage error, 3 not found, 4 configuration error,
5 service unavailable, 130 interrupted.`;

function exitCodeFor(error: unknown): number {
  if (!isTrawlError(error)) return EXIT.failure;
  switch (error.code) {
    case 'NOT_FOUND':
      return EXIT.notFound;
    case 'CONFIG':
      return EXIT.config;
    case 'BACKEND_UNAVAILABLE':
    case 'TIMEOUT':
      return EXIT.unavailable;
    case 'ABORTED':
      return EXIT.interrupted;
    case 'INVALID_QUERY':
    case 'INVALID_INPUT':
      return EXIT.usage;
    default:
      return EXIT.failure;
  }
}

/** Hints for the operating-system errors a command can meet before Trawl's own checks do. */
const SYSTEM_HINTS: Record<string, { hint: string; exit: number }> = {
  EADDRINUSE: { hint: 'another process listens there: pick another port with --port', exit: EXIT.config },
  EACCES: { hint: 'not allowed: check the permissions (a port below 1024 needs privileges)', exit: EXIT.config },
  EADDRNOTAVAIL: { hint: 'this machine has no such address: check --host', exit: EXIT.config },
  EEXIST: { hint: 'a file is in the way of a directory: check TRAWL_HOME and the paths given', exit: EXIT.config },
  ENOTDIR: { hint: 'a file is in the way of a directory: check TRAWL_HOME and the paths given', exit: EXIT.config },
};

/**
 * One line for a failure, its code and the exit code: Trawl's errors say what to do; an error
 * of the operating system (a port in use, a file where a directory should be) gets a hint; only
 * an unexpected error keeps its stack, for a bug report.
 */
function describeFailure(error: unknown): { message: string; code: string; exit: number } {
  if (isTrawlError(error)) return { message: error.detail, code: error.code, exit: exitCodeFor(error) };
  const systemCode = (error as NodeJS.ErrnoException | undefined)?.code;
  const known = typeof systemCode === 'string' ? SYSTEM_HINTS[systemCode] : undefined;
  if (known) return { message: `${(error as Error).message}: ${known.hint}`, code: systemCode!, exit: known.exit };
  return { message: (error as Error)?.stack ?? String(error), code: 'INTERNAL', exit: EXIT.failure };
}

/**
 * Runs the trawl command line and returns its exit code. The container is created on first
 * use and always closed before returning.
 */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (!name) {
    // (no command is a usage mistake: the help goes where errors go)
    io.stderr.write(`${MAIN_HELP}\n`);
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${MAIN_HELP}\n`);
    return EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`trawl: unknown command "${name}"\n\n${MAIN_HELP}\n`);
    return EXIT.usage;
  }
  let trawl: TrawlContainer | undefined;
  // One command, one search: in-memory search caches would cost more to load than they save.
  const container = () => (trawl ??= createContainer(io.env.TRAWL_MEMORY_CACHES ? {} : { memoryCaches: false }, io.env));
  try {
    return await command.run(args, io, container);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`trawl ${name}: ${error.message}\n${error.help ? `\n${error.help}\n` : ''}`);
      return EXIT.usage;
    }
    if (io.signal.aborted) {
      io.stderr.write(`trawl ${name}: interrupted\n`);
      return EXIT.interrupted;
    }
    const { message, code, exit } = describeFailure(error);
    io.stderr.write(`trawl ${name}: ${message}\n`);
    // (with --json, the error as JSON on stdout too, for the program reading it)
    if (args.includes('--json')) io.stdout.write(`${JSON.stringify({ error: { code, message } })}\n`);
    return exit;
  } finally {
    await trawl?.close();
  }
}

declare const __TRAWL_VERSION__: string | undefined;
export const VERSION = typeof __TRAWL_VERSION__ === 'string' ? __TRAWL_VERSION__ : '0.0.0-dev';
