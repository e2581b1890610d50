/** Where a command writes; tests pass buffers, the binary passes the process streams. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Fires when the user asks to stop (Ctrl-C). */
  signal: AbortSignal;
}

/** Exit codes, documented in `trawl --help`. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  config: 4,
  unavailable: 5,
  interrupted: 130,
} as const;

export class UsageError extends Error {
  constructor(message: string, readonly help?: string) {
    super(message);
  }
}
