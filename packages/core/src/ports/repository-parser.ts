import type { Chunk } from '../chunk.js';
import type { CallOptions, SourceFile, SourceFileInfo } from '../refs.js';
import type { SymbolDefinition, SymbolRelation } from '../symbol.js';
import type { RelinkChange, RelinkScope } from './search-index.js';

/** A file the parser would index, with the hash of its bytes. */
export interface ScannedFile {
  path: string;
  sizeBytes: number;
  language: string | null;
  contentHash: string;
  /**
   * When the file last changed on disk (the later of its mtime and ctime, in ms), recorded only
   * when it is old enough to trust (see {@link SourceFile.modifiedMs}); else null.
   */
  modifiedMs?: number | null;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface RepositoryScan {
  files: ScannedFile[];
  skipped: SkippedFile[];
  /** HEAD commit when the folder is a git work tree. */
  commit: string | null;
}

export interface ParsedFiles {
  files: SourceFile[];
  chunks: Chunk[];
  symbols: SymbolDefinition[];
  relations: SymbolRelation[];
  /**
   * Unchanged files parsed and linked again because the change alters their links (see
   * `unchanged.relinkScope`); their files, chunks, symbols and relations are in the lists above.
   */
  relinkedPaths?: string[];
}

export interface ParseProgress {
  /**
   * The step, when the parser tells them apart: files are `read` (and hashed), then `parse`d, then
   * `link`ed; `done` closes the stage with the chunk count. `chunks` is 0 while reading.
   */
  phase?: 'walk' | 'read' | 'parse' | 'link' | 'done';
  filesDone: number;
  filesTotal: number;
  chunks: number;
}

/**
 * The symbol chunks of unchanged files that linking an incremental run's changed files can look
 * at: those defining a symbol named in `names` or lying in one of `filePaths`, and the chunk of
 * each one's owner (`symbolOwner`).
 */
export interface SymbolContextNeed {
  names: readonly string[];
  filePaths: readonly string[];
}

/**
 * Turns a working tree into what the indexes need. The indexing flow depends only on this port;
 * `@trawl/parser` provides the tree-sitter implementation.
 *
 * Contract: `scan` lists indexable files with content hashes (sha256 hex of the UTF-8 text, cheap:
 * no parsing; files unchanged on disk since `known` keep their hash unread); `parse` parses
 * the given paths (all scanned files when omitted) of `snapshotId` and is deterministic: the same
 * bytes give the same chunk and symbol ids whatever the snapshot.
 */
export interface RepositoryParser {
  /**
   * `known`: the files of the previous snapshot by path. A file whose size and `modifiedMs` are
   * unchanged keeps its known hash without being read (a stat cache, as git's index is).
   */
  scan(root: string, options?: CallOptions & { known?: ReadonlyMap<string, SourceFileInfo> }): Promise<RepositoryScan>;
  parse(
    root: string,
    options: CallOptions & {
      repoId: string;
      snapshotId: string;
      paths?: readonly string[];
      onProgress?: (progress: ParseProgress) => void;
      /**
       * Incremental runs (`paths` given): the files carried over unchanged from the base snapshot
       * (repository-level chunks, project and modules, are rebuilt over every file of the new
       * snapshot) and their chunks, so calls and imports into them still resolve. Give the chunks
       * as `loadChunks` to have the parser ask, once it has read the changed files, for only the
       * symbol chunks their links can reach (see {@link SymbolContextNeed}); or as `chunks`.
       * With `replacedPaths` (the paths changed or deleted since the base), only the
       * repository-level chunks above them are rebuilt: the project chunk and the modules of
       * their directories (see `directoriesAbove`); the others are the base's.
       */
      unchanged?: {
        files: readonly SourceFileInfo[];
        chunks?: readonly Chunk[];
        loadChunks?: (need: SymbolContextNeed, options?: CallOptions) => Promise<readonly Chunk[]>;
        /**
         * The symbols the need reaches that chunks lack (`SearchIndex.linkContext`): asked side by
         * side with `loadChunks` (or added to `chunks`), and linked against with them.
         */
        loadSymbols?: (need: SymbolContextNeed, options?: CallOptions) => Promise<readonly SymbolDefinition[] | null>;
        replacedPaths?: readonly string[];
        /**
         * Called once the changed files are parsed, before they are linked, with what they now
         * define and use (`RelinkChange` without `base` and `addedPaths`): the unchanged files to
         * parse and link again with them, so that links into the change resolve as a full run
         * would resolve them. Those files come back in `relinkedPaths`.
         */
        relinkScope?: (change: Omit<RelinkChange, 'base' | 'addedPaths'>, options?: CallOptions) => Promise<RelinkScope>;
      };
    },
  ): Promise<ParsedFiles>;
}
