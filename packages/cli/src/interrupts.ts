/**
 * What the binary does on SIGINT / SIGTERM. The first signal aborts the running command, which
 * cleans up (an index run marks its snapshot failed, the database closes); a second one exits at
 * once. A second signal within `sameWithinMs` of the first is the same Ctrl-C delivered twice:
 * the terminal signals the whole process group, and a wrapper in it (`npm run`, `tsx`) passes
 * its copy on too. Without this, Ctrl-C under `npm run trawl` exited without cleaning up.
 */
export function interruptHandler(options: {
  abort: (reason: Error) => void;
  exit: (code: number) => void;
  write: (text: string) => void;
  now?: () => number;
  sameWithinMs?: number;
}): (signal: NodeJS.Signals) => void {
  const now = options.now ?? (() => performance.now());
  const window = options.sameWithinMs ?? 250;
  let first: number | undefined;
  return (signal) => {
    const at = now();
    if (first === undefined) {
      first = at;
      options.write(`\nstopping (${signal}); press Ctrl-C again to force\n`);
      options.abort(new Error(`received ${signal}`));
    } else if (at - first > window) options.exit(130);
  };
}
