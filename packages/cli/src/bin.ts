#!/usr/bin/env node
import { main } from './cli.js';

// First Ctrl-C: abort the running command, which cleans up (an index run marks its snapshot
// failed, the database closes). Second Ctrl-C: exit at once.
const controller = new AbortController();
let interrupts = 0;
const onSignal = (signal: NodeJS.Signals) => {
  interrupts++;
  if (interrupts > 1) process.exit(130);
  process.stderr.write(`\nstopping (${signal}); press Ctrl-C again to force\n`);
  controller.abort(new Error(`received ${signal}`));
};
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
