/** A matched range within one line, in JavaScript string (UTF-16) columns, 0-based, end exclusive. */
export interface ZoektMatchRange {
  start: number;
  end: number;
}

/**
 * One matching line of a file. `text`, `ranges`, `before` and `after` are decoded from Zoekt's
 * base64 on first read (then kept), so reading only the lines you show is cheaper than reading
 * all of them; they behave as plain fields otherwise (spread, JSON, assignment).
 */
export interface ZoektLineMatch {
  /** 1-based line number. */
  line: number;
  /** The line's text, decoded from UTF-8, without its line terminator. */
  text: string;
  /** Where the pattern matched in `text` (UTF-16 columns, so `text.slice(start, end)` is the match). */
  ranges: ZoektMatchRange[];
  /** Up to `contextLines` lines before and after, oldest first. */
  before: string[];
  after: string[];
  /** Zoekt's score for this line; higher is better. */
  score: number;
  /** True when the match is on the file name rather than its content (line is 0 then). */
  fileNameMatch: boolean;
}

/** One file with its matches. */
export interface ZoektFileMatch {
  repository: string;
  fileName: string;
  /** Detected language (linguist name, such as `TypeScript`), or `''` when unknown. */
  language: string;
  branches: string[];
  /** Commit of the indexed tree, when Zoekt knows it (git indexes). */
  version: string | null;
  /** Zoekt's file score; higher is better. */
  score: number;
  matches: ZoektLineMatch[];
  /** The whole file, only when asked with `wholeFiles`. */
  content?: string;
}

/** The statistics Zoekt reports with every result, in the units a caller expects. */
export interface ZoektSearchStats {
  durationMs: number;
  /** Files that matched (may exceed the files returned when a display limit applied). */
  fileCount: number;
  /** Matches found (may exceed the matches returned). */
  matchCount: number;
  filesConsidered: number;
  filesLoaded: number;
  filesSkipped: number;
  shardsScanned: number;
  shardsSkipped: number;
  /** Shards whose search crashed. */
  crashes: number;
  contentBytesLoaded: number;
  indexBytesLoaded: number;
}

export interface ZoektSearchResult {
  /** The query in Zoekt's language, as sent. */
  query: string;
  files: ZoektFileMatch[];
  stats: ZoektSearchStats;
  /**
   * True when Zoekt did not search everything: it ran out of its time budget, skipped shards or
   * files, or a shard crashed. Zoekt still answers HTTP 200 then, so check this flag.
   */
  partial: boolean;
  /** True when display limits cut files or matches (`stats` counts what was found). */
  truncated: boolean;
}

export interface ZoektBranch {
  name: string;
  version: string;
}

/** A repository the webserver has loaded. */
export interface ZoektRepository {
  name: string;
  id: number;
  url: string;
  /** Where it was indexed from (a directory or git repository path). */
  source: string;
  branches: ZoektBranch[];
  hasSymbols: boolean;
  indexTime: Date | null;
  shards: number;
  documents: number;
  contentBytes: number;
  indexBytes: number;
}
