export { createMcpServer, MCP_SERVER_INFO } from './create-mcp-server.js';
export { registerTrawlTools, type TrawlToolsOptions } from './trawl-tools.js';
export { runStdioServer } from './run-stdio.js';
export { startMcpHttpServer, type McpHttpServer, type McpHttpServerOptions } from './mcp-http-server.js';
