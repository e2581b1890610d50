import type { SymbolContextNeed } from './ports/repository-parser.js';

/**
 * Every kind of chunk, from the whole project down to a function body.
 * `block` is a bounded line window of a file no grammar could split (large text files).
 */
export type ChunkKind =
  | 'project'
  | 'module'
  | 'file'
  | 'namespace'
  | 'class'
  | 'interface'
  | 'struct'
  | 'enum'
  | 'trait'
  | 'type'
  | 'function'
  | 'method'
  | 'block';

export const CHUNK_KINDS: readonly ChunkKind[] = [
  'project',
  'module',
  'file',
  'namespace',
  'class',
  'interface',
  'struct',
  'enum',
  'trait',
  'type',
  'function',
  'method',
  'block',
];

export function isChunkKind(value: unknown): value is ChunkKind {
  return typeof value === 'string' && (CHUNK_KINDS as readonly string[]).includes(value);
}

/**
 * How specific a kind is when several chunks contain the same line: lower wins.
 * Functions and methods beat class-like containers, which beat the file, which beats the
 * module and project levels. Ties are broken by the smaller span.
 */
export function chunkKindRank(kind: ChunkKind): number {
  switch (kind) {
    case 'function':
    case 'method':
      return 0;
    case 'class':
    case 'interface':
    case 'struct':
    case 'enum':
    case 'trait':
    case 'type':
    case 'namespace':
    case 'block':
      return 1;
    case 'file':
      return 2;
    case 'module':
      return 3;
    case 'project':
      return 4;
  }
}

export type Visibility = 'public' | 'protected' | 'private' | 'internal' | 'unknown';

/**
 * A span of one file at one snapshot. Ids are deterministic (see `chunkId`), so parsing the same
 * content twice yields the same ids and re-indexing an unchanged file changes nothing.
 */
export interface Chunk {
  id: string;
  repoId: string;
  snapshotId: string;
  /** Path relative to the repository root, `/`-separated. Empty for project-level chunks. */
  filePath: string;
  kind: ChunkKind;
  /** Short name (`save`); the file name for file chunks. */
  name: string;
  /** Fully qualified name (`src/store.ts:ChunkStore.save`). */
  fqn: string;
  /** 1-based, inclusive. */
  startLine: number;
  /** 1-based, inclusive; never before startLine. */
  endLine: number;
  /** Hash of the chunk's text (sha256 hex). */
  contentHash: string;
  parentId: string | null;
  childIds: string[];
  language: string | null;
  symbolId: string | null;
  /** The symbol that owns this one (a method's class). */
  symbolOwner: string | null;
  visibility: Visibility | null;
  /** Docstring or leading comment, or a generated summary. */
  summary: string | null;
  /** 0..1, higher for exported, central or much-referenced code. */
  importance: number;
  attributes: Record<string, unknown>;
  /** Bumped by the store each time the row is rewritten. */
  version: number;
  lastIndexedCommit: string | null;
  deleted: boolean;
}

/** What a caller provides to save a chunk; store-managed fields get defaults. */
export type ChunkInput = Omit<
  Chunk,
  'childIds' | 'language' | 'symbolId' | 'symbolOwner' | 'visibility' | 'summary' | 'importance' | 'attributes' | 'version' | 'lastIndexedCommit' | 'deleted' | 'parentId'
> &
  Partial<
    Pick<
      Chunk,
      'childIds' | 'language' | 'symbolId' | 'symbolOwner' | 'visibility' | 'summary' | 'importance' | 'attributes' | 'version' | 'lastIndexedCommit' | 'deleted' | 'parentId'
    >
  >;

/** Fills the optional fields of a {@link ChunkInput} with their defaults. */
export function normalizeChunk(input: ChunkInput): Chunk {
  return {
    ...input,
    parentId: input.parentId ?? null,
    childIds: input.childIds ?? [],
    language: input.language ?? null,
    symbolId: input.symbolId ?? null,
    symbolOwner: input.symbolOwner ?? null,
    visibility: input.visibility ?? null,
    summary: input.summary ?? null,
    importance: input.importance ?? 0,
    attributes: input.attributes ?? {},
    version: input.version ?? 1,
    lastIndexedCommit: input.lastIndexedCommit ?? null,
    deleted: input.deleted ?? false,
  };
}

/**
 * The chunks of `chunks` that define a symbol and that `need` selects: named in `need.names` or in
 * one of `need.filePaths`, plus the chunk of each one's owner. The reference for stores that
 * select in their own query language (`PostgresChunkStore.listSymbolChunks`).
 */
export function selectSymbolContext(chunks: readonly Chunk[], need: SymbolContextNeed): Chunk[] {
  const names = new Set(need.names);
  const paths = new Set(need.filePaths);
  const picked = new Set<Chunk>();
  const owners = new Set<string>();
  for (const c of chunks) {
    if (!c.symbolId || !(names.has(c.name) || paths.has(c.filePath))) continue;
    picked.add(c);
    if (c.symbolOwner) owners.add(c.symbolOwner);
  }
  return chunks.filter((c) => picked.has(c) || (c.symbolId !== null && owners.has(c.symbolId)));
}

/**
 * The directories above repository-relative paths (`a/b/c.ts` -> `a/b`, `a`): the `module` chunks
 * a change to those paths can alter. Adds to `into` and returns it.
 */
export function directoriesAbove(paths: Iterable<string>, into = new Set<string>()): Set<string> {
  for (const path of paths) {
    for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
      const dir = path.slice(0, i);
      if (into.has(dir)) break; // (its own parents are in already)
      into.add(dir);
    }
  }
  return into;
}
