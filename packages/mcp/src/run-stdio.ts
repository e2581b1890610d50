import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { createMcpServer } from './create-mcp-server.js';
import type { TrawlToolsOptions } from './trawl-tools.js';

/**
 * Serves MCP over stdin/stdout until the client closes stdin or `signal` fires, then closes the
 * server (not the container: its owner does). Nothing else may write to stdout meanwhile.
 */
export async function runStdioServer(options: TrawlToolsOptions & { signal?: AbortSignal; stdin?: NodeJS.ReadableStream; stdout?: NodeJS.WritableStream }): Promise<void> {
  const server = createMcpServer(options);
  const stdin = (options.stdin ?? process.stdin) as NodeJS.ReadStream;
  const transport = new StdioServerTransport(stdin, (options.stdout ?? process.stdout) as NodeJS.WriteStream);
  // A line that is not JSON, or not a JSON-RPC message, gets JSON-RPC's error answer (the SDK's
  // transport only reports it, leaving the client waiting). Chained before the server's own handler.
  transport.onerror = (error) => {
    const reply = unreadableLine(error);
    if (reply) transport.send(reply as unknown as JSONRPCMessage).catch(() => undefined);
  };
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    stdin.once('end', () => resolve());
    stdin.once('close', () => resolve());
    options.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.connect(transport);
  await closed;
  await server.close().catch(() => undefined);
}

/** JSON-RPC 2.0's answer to a line it could not read (id null: the request's id is unknown), or null for other errors. */
function unreadableLine(error: Error): { jsonrpc: '2.0'; id: null; error: { code: number; message: string } } | null {
  if (error instanceof SyntaxError) return { jsonrpc: '2.0', id: null, error: { code: -32700, message: `Parse error: the line is not JSON (${error.message})` } };
  if (error.name === 'ZodError') return { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Invalid Request: the line is not a JSON-RPC 2.0 request, notification or response' } };
  return null;
}
