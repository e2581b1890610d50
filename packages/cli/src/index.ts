export { main, COMMANDS, MAIN_HELP, VERSION, type Command } from './cli.js';
export { EXIT, UsageError, type CliIo } from './io.js';
