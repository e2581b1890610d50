import { main } from '../cli.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `trawl <argv>` in-process with captured output. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv, cwd: string = process.cwd(), signal: AbortSignal = new AbortController().signal): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (t: string) => (stdout += t), isTTY: false },
    stderr: { write: (t: string) => (stderr += t), isTTY: false },
    env,
    cwd,
    signal,
  });
  return { code, stdout, stderr };
}
