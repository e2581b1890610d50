import type { ParseFileInput, ParsedFile } from './file-parser.js';
import type { GrammarLanguage } from './languages.js';

/** Main thread -> parse worker: one file to parse, or grammars to load ahead (no reply). */
export type WorkerRequest = { id: number; input: ParseFileInput; warm?: undefined } | { id: -1; input?: undefined; warm: GrammarLanguage[] };

/** An error raised in a worker, as plain data (TrawlError fields kept so the type survives). */
export interface WorkerErrorData {
  name: string;
  message: string;
  code?: string;
  component?: string;
  context?: Record<string, unknown>;
  stack?: string;
}

/** Parse worker -> main thread: the parsed file (its `file.content` is null) or the error. */
export type WorkerReply = { id: number; parsed: ParsedFile; error?: undefined } | { id: number; parsed?: undefined; error: WorkerErrorData };
