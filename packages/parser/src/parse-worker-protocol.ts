import type { ParseFileInput, ParsedFile } from './file-parser.js';

/** Main thread -> parse worker: one file to parse. */
export interface WorkerRequest {
  id: number;
  input: ParseFileInput;
}

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
