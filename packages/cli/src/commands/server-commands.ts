import type { TrawlContainer } from '@trawl/container';
import type { CliIo } from '../io.js';

export const SERVE_HELP = `Usage: trawl serve [options]

Start the HTTP API server. (Arrives with @trawl/server.)`;

export const MCP_HELP = `Usage: trawl mcp [options]

Start the MCP server. (Arrives with @trawl/mcp.)`;

export async function serveCommand(_args: string[], io: CliIo, _container: () => TrawlContainer): Promise<number> {
  io.stderr.write('trawl serve: the HTTP server is not part of this build yet\n');
  return 1;
}

export async function mcpCommand(_args: string[], io: CliIo, _container: () => TrawlContainer): Promise<number> {
  io.stderr.write('trawl mcp: the MCP server is not part of this build yet\n');
  return 1;
}
