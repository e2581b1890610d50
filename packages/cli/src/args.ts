import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './io.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Strict option parsing with messages that point at `--help`. */
/** Parsed option values: strings for `type: 'string'`, booleans for flags, undefined when absent. */
export type ParsedValues = Record<string, any> & { help?: boolean };

/**
 * Parses a command's arguments (`--help` / `-h` added). `maxPositionals`: how many arguments
 * besides the options it takes; more is a usage error rather than silently ignored.
 */
export function parse(args: string[], options: Options, help: string, maxPositionals = Infinity): { values: ParsedValues; positionals: string[] } {
  let parsed: { values: ParsedValues; positionals: string[] };
  try {
    parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''), help);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument${parsed.positionals.length - maxPositionals > 1 ? 's' : ''} ${parsed.positionals.slice(maxPositionals).map((p) => `"${p}"`).join(' ')}`, help);
  }
  return parsed;
}

export function positiveInt(name: string, value: string | undefined, fallback: number, max = 10_000): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`--${name} must be an integer between 1 and ${max}, got "${value}"`);
  return n;
}
