import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { registerTrawlTools, type TrawlToolsOptions } from './trawl-tools.js';

/** Name and version the server reports to MCP clients. */
export const MCP_SERVER_INFO = { name: 'trawl', version: '0.1.0' } as const;

/**
 * An MCP server exposing Trawl's tools over a container. Connect it to any transport.
 *
 * ```ts
 * const server = createMcpServer({ container: createContainer({ readOnly: true }) })
 * await server.connect(new StdioServerTransport())
 * ```
 */
export function createMcpServer(options: TrawlToolsOptions): McpServer {
  const server = new McpServer(MCP_SERVER_INFO, {
    capabilities: { tools: {} },
    instructions:
      'Trawl searches indexed source repositories. Start with search_code; use get_chunk to read a result with context, and find_symbol / find_callers / find_callees / find_references for the symbol graph. list_repositories and index_status show what is indexed.',
  });
  registerTrawlTools(server, options);
  return server;
}
