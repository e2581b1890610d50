#!/usr/bin/env node
import { main } from './cli.js';
import { interruptHandler } from './interrupts.js';

// First Ctrl-C: abort the running command, which cleans up; a second one: exit at once.
const controller = new AbortController();
const onSignal = interruptHandler({
  abort: (reason) => controller.abort(reason),
  exit: (code) => process.exit(code),
  write: (text) => process.stderr.write(text),
});
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), signal: controller.signal }).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`trawl: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
