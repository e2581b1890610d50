import { createServer, type TrawlServer } from './create-server.js';
import type { TrawlServerOptions } from './server-options.js';

/**
 * Starts the server and shuts it down gracefully on SIGTERM or SIGINT (drain, then close the
 * container). Resolves once it has shut down; `trawl serve` runs this.
 *
 * ```ts
 * await runServer({ container: createContainer(), port: 8377, onListening: (url) => console.error(url) })
 * ```
 */
export async function runServer(
  options: TrawlServerOptions & {
    onListening?: (url: string, server: TrawlServer) => void;
    /** Stop when this fires instead of installing SIGTERM/SIGINT handlers (the CLI owns the signals). */
    stopSignal?: AbortSignal;
  },
): Promise<void> {
  const server = createServer(options);
  const signals: NodeJS.Signals[] = options.stopSignal ? [] : ['SIGTERM', 'SIGINT'];
  let stopped!: () => void;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  const stop = (reason: string) => {
    server.app.log.info({ reason }, 'stop requested');
    void server.close().then(stopped, stopped);
  };
  const onSignal = (signal: NodeJS.Signals) => stop(signal);
  const onAbort = () => stop(String((options.stopSignal?.reason as Error)?.message ?? 'aborted'));
  for (const s of signals) process.once(s, onSignal);
  options.stopSignal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (options.stopSignal?.aborted) return;
    const url = await server.listen();
    options.onListening?.(url, server);
    await done;
  } catch (error) {
    await server.close().catch(() => undefined);
    throw error;
  } finally {
    for (const s of signals) process.off(s, onSignal);
    options.stopSignal?.removeEventListener('abort', onAbort);
  }
}
