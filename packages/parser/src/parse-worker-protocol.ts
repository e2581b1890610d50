import type { SymbolRelation } from '@trawl/core';
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

/**
 * Parse worker -> main thread: the parsed file (its `file.content` null, its `relations` empty
 * and sent apart, flat: see {@link encodeRelations}) or the error.
 */
export type WorkerReply = { id: number; parsed: ParsedFile; relations: FlatRelations; error?: undefined } | { id: number; parsed?: undefined; relations?: undefined; error: WorkerErrorData };

/** Relations as one array, {@link RELATION_FIELDS} slots each; `filePath` is null when it is the file's own path. */
export type FlatRelations = (string | number | boolean | null)[];

const RELATION_FIELDS = 7;

export function encodeRelations(relations: readonly SymbolRelation[], path: string): FlatRelations {
  const flat: FlatRelations = new Array(relations.length * RELATION_FIELDS);
  let j = 0;
  for (const r of relations) {
    flat[j++] = r.kind;
    flat[j++] = r.fromId;
    flat[j++] = r.toId;
    flat[j++] = r.toName;
    flat[j++] = r.resolved;
    flat[j++] = r.filePath === path ? null : r.filePath;
    flat[j++] = r.line;
  }
  return flat;
}

/** The relations {@link encodeRelations} flattened, as objects with the parser's key order. */
export function decodeRelations(flat: FlatRelations, path: string): SymbolRelation[] {
  const out: SymbolRelation[] = new Array(flat.length / RELATION_FIELDS);
  for (let i = 0, j = 0; j < flat.length; i++, j += RELATION_FIELDS) {
    out[i] = {
      kind: flat[j] as SymbolRelation['kind'],
      fromId: flat[j + 1] as string,
      toId: flat[j + 2] as string | null,
      toName: flat[j + 3] as string,
      resolved: flat[j + 4] as boolean,
      filePath: (flat[j + 5] as string | null) ?? path,
      line: flat[j + 6] as number,
    };
  }
  return out;
}
