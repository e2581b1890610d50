import {
  ConfigError,
  InvalidQueryError,
  chunkKindRank,
  throwIfAborted,
  type CallOptions,
  type Chunk,
  type DomainIndex,
  type HealthStatus,
  type HitMapping,
  type IndexRunResult,
  type SearchHit,
  type SearchOptions,
  type SnapshotContent,
  type SnapshotDelta,
  type SnapshotRef,
  type SourceFile,
} from '@trawl/core';
import { ensureSchema, fileVersions, FileVersionMembership, type FileVersion, type PostgresQueryable, type PostgresStore } from '@trawl/postgres';
import { docFormatOf, identifierTerms, splitDocument, type DocFormat } from './doc-sections.js';

export interface PostgresDomainIndexOptions {
  /** The store that holds `domain_documents`, or a factory called once on first use. */
  store: PostgresStore | (() => PostgresStore | Promise<PostgresStore>);
  /** Hits returned when a search names no limit. Default 20. */
  defaultLimit?: number;
  /** Which files are documentation; default: Markdown, reStructuredText and text by language or extension, and README-like names. */
  documentFormat?: (file: SourceFile) => DocFormat | null;
  /** Index the docstrings and leading comments of chunks (`chunk.summary`). Default true. */
  includeDocstrings?: boolean;
  /** Markers around matched words in snippets. Default `«` and `»`. */
  highlight?: { start: string; stop: string };
  /** Rows per INSERT statement while indexing. Default 500. */
  batchSize?: number;
}

interface DocumentRow {
  doc_id: string;
  source: 'doc' | 'docstring';
  file_path: string;
  start_line: number;
  end_line: number;
  title: string;
  heading_path: string;
  body: string;
  terms: string;
  chunk_id: string | null;
  kind: string | null;
  mapping: HitMapping;
}

interface HitRow extends Omit<DocumentRow, 'terms'> {
  rank: number;
  snippet: string;
  symbol_id?: string | null;
}

const COMPONENT = 'index-domain';

const COLUMNS = ['doc_id', 'source', 'file_path', 'start_line', 'end_line', 'title', 'heading_path', 'body', 'terms', 'chunk_id', 'kind', 'mapping'] as const;
const COLUMN_TYPES = ['text', 'text', 'text', 'int4', 'int4', 'text', 'text', 'text', 'text', 'text', 'text', 'text'] as const;
// A section body larger than this is cut: to_tsvector is limited to 1 MB and huge sections rank poorly anyway.
const MAX_BODY_CHARS = 100_000;

/** The chunk a section belongs to: the most specific chunk of the file containing its first line. */
function chunkFor(chunks: readonly Chunk[] | undefined, line: number): Chunk | undefined {
  let best: Chunk | undefined;
  for (const c of chunks ?? []) {
    if (c.startLine > line || c.endLine < line) continue;
    if (
      !best ||
      chunkKindRank(c.kind) < chunkKindRank(best.kind) ||
      (chunkKindRank(c.kind) === chunkKindRank(best.kind) && c.endLine - c.startLine < best.endLine - best.startLine)
    ) {
      best = c;
    }
  }
  return best;
}

/**
 * Ranked full-text search over documentation and domain text on PostgreSQL: Markdown,
 * reStructuredText and text files split into sections by heading (title, heading path, body, line
 * range), plus chunk docstrings and leading comments, in `domain_documents`.
 *
 * Text-search configuration: every text is indexed under both `english` (stemming, so "indexing"
 * finds "indexes") and `simple` (tokens as written, so identifiers such as `createUser` or
 * `pg_trgm` stay findable), and identifiers are also split into words ("create user" finds prose
 * about `createUser`). Queries use `websearch_to_tsquery` syntax (`"exact phrase"`, `or`,
 * `-excluded`) under both configurations, OR-ed. Ranking is `ts_rank_cd` with weights title >
 * heading path > body > identifier words; previews are `ts_headline` snippets with the matched
 * words between `«` and `»`.
 *
 * ```ts
 * const domain = new PostgresDomainIndex({ store })
 * await domain.reindexRepo(content)
 * const hits = await domain.search({ repoId, snapshotId }, 'how are snapshots "made searchable"')
 * ```
 */
export class PostgresDomainIndex implements DomainIndex, AsyncDisposable {
  readonly name = 'domain' as const;
  readonly defaultLimit: number;
  readonly #options: PostgresDomainIndexOptions;
  readonly #members: FileVersionMembership;
  readonly #headlineOptions: string;
  #store: Promise<PostgresStore> | undefined;

  constructor(options: PostgresDomainIndexOptions) {
    if (!options?.store) throw new ConfigError('PostgresDomainIndex needs a store (a PostgresStore or a factory)', { component: COMPONENT });
    this.#options = options;
    this.#members = new FileVersionMembership({ rows: 'domain_file_documents', gens: 'domain_snapshot_gens', spans: 'domain_file_spans' }, (options.batchSize ?? 500) * 4);
    this.defaultLimit = options.defaultLimit ?? 20;
    const { start, stop } = options.highlight ?? { start: '«', stop: '»' };
    const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
    this.#headlineOptions = `StartSel=${quote(start)}, StopSel=${quote(stop)}, MaxWords=35, MinWords=12, ShortWord=2, MaxFragments=2, FragmentDelimiter=${quote(' … ')}`;
  }

  #ready(options?: CallOptions): Promise<PostgresStore> {
    throwIfAborted(options?.signal, COMPONENT);
    this.#store ??= (async () => {
      const source = this.#options.store;
      const store = typeof source === 'function' ? await source() : source;
      // (shared by every caller: no one caller's signal may fail it for the others)
      await ensureSchema(store);
      return store;
    })();
    this.#store.catch(() => {
      this.#store = undefined;
    });
    return this.#store;
  }

  /** The rows for some files and chunks of a snapshot. */
  #documentRows(files: readonly SourceFile[], chunks: readonly Chunk[]): DocumentRow[] {
    const rows: DocumentRow[] = [];
    const chunksByFile = new Map<string, Chunk[]>();
    for (const c of chunks) {
      if (c.deleted) continue;
      let list = chunksByFile.get(c.filePath);
      if (!list) chunksByFile.set(c.filePath, (list = []));
      list.push(c);
    }
    const formatOf = this.#options.documentFormat ?? ((f: SourceFile) => docFormatOf(f.path, f.language));
    for (const file of files) {
      const format = formatOf(file);
      if (!format) continue;
      const fileTitle = file.path.split('/').pop() ?? file.path;
      for (const s of splitDocument(file.content, format, fileTitle)) {
        if (!s.body && s.level === 0) continue;
        const chunk = chunkFor(chunksByFile.get(file.path), s.startLine);
        const mapping: HitMapping = !chunk ? 'unmapped' : chunk.kind === 'file' || chunk.kind === 'module' || chunk.kind === 'project' ? 'file_fallback' : 'exact';
        const body = s.body.slice(0, MAX_BODY_CHARS);
        rows.push({
          doc_id: `${file.path}#L${s.startLine}`,
          source: 'doc',
          file_path: file.path,
          start_line: s.startLine,
          end_line: s.endLine,
          title: s.title,
          heading_path: s.headingPath.join(' > '),
          body,
          terms: identifierTerms(`${s.title}\n${body}`),
          chunk_id: chunk?.id ?? null,
          kind: chunk?.kind ?? null,
          mapping,
        });
      }
    }
    if (this.#options.includeDocstrings ?? true) {
      for (const c of chunks) {
        const summary = c.summary?.trim();
        if (!summary || c.deleted) continue;
        rows.push({
          doc_id: `docstring:${c.id}`,
          source: 'docstring',
          file_path: c.filePath,
          start_line: c.startLine,
          end_line: c.endLine,
          title: c.name,
          heading_path: c.fqn,
          body: summary.slice(0, MAX_BODY_CHARS),
          terms: identifierTerms(`${c.name} ${c.fqn}\n${summary}`),
          chunk_id: c.id,
          kind: c.kind,
          mapping: 'exact',
        });
      }
    }
    return rows;
  }

  async reindexRepo(content: SnapshotContent, options: CallOptions = {}): Promise<IndexRunResult> {
    const started = performance.now();
    const { repoId, snapshotId } = content.snapshot;
    const rows = this.#documentRows(content.files, content.chunks);
    const store = await this.#ready(options);
    const versions = fileVersions(content.files, rows);
    await store.transaction(async (tx) => {
      await this.#insert(tx, repoId, rows, versions, options);
      await this.#members.replace(tx, repoId, snapshotId, versions, options);
    }, options);
    await this.#analyzeAfterBulkLoad(store, rows.length, options);
    return { index: 'domain', durationMs: performance.now() - started, itemsIndexed: rows.length, details: countBySource(rows) };
  }

  async reindexPaths(delta: SnapshotDelta, options: CallOptions = {}): Promise<IndexRunResult> {
    const started = performance.now();
    const { repoId, snapshotId } = delta.snapshot;
    const changed = new Set(delta.changedPaths);
    const replaced = [...new Set([...delta.changedPaths, ...delta.deletedPaths])];
    const rows = this.#documentRows(
      delta.files.filter((f) => changed.has(f.path)),
      delta.chunks.filter((c) => changed.has(c.filePath)),
    );
    const store = await this.#ready(options);
    const versions = fileVersions(
      delta.files.filter((f) => changed.has(f.path)),
      rows,
    );
    // Unchanged files keep the versions the base has: their spans reach on into this snapshot.
    const carried = await store.transaction(async (tx) => {
      await this.#insert(tx, repoId, rows, versions, options);
      return this.#members.derive(tx, repoId, delta.baseSnapshotId, snapshotId, replaced, versions, options);
    }, options);
    await this.#analyzeAfterBulkLoad(store, rows.length, options);
    return {
      index: 'domain',
      durationMs: performance.now() - started,
      itemsIndexed: rows.length,
      details: { ...countBySource(rows), carriedFiles: carried, replacedPaths: replaced.length },
    };
  }

  /** Fresh statistics after a large load, so the planner uses the GIN index (PGlite runs no autovacuum). */
  async #analyzeAfterBulkLoad(store: PostgresStore, rows: number, options: CallOptions): Promise<void> {
    if (rows >= 2000) await store.execute('ANALYZE domain_file_documents, domain_file_spans', [], options);
  }

  /** Writes documents under their file's version; versions already stored are left as they are. */
  async #insert(tx: PostgresQueryable, repoId: string, rows: readonly DocumentRow[], versions: readonly FileVersion[], options: CallOptions): Promise<void> {
    const batchSize = this.#options.batchSize ?? 500;
    const hashOf = new Map(versions.map((v) => [v.file_path, v.content_hash]));
    const selects = COLUMNS.map((c, i) => `$${i + 3}::${COLUMN_TYPES[i]}[]`).join(', ');
    for (let i = 0; i < rows.length; i += batchSize) {
      throwIfAborted(options.signal, COMPONENT);
      const batch = rows.slice(i, i + batchSize);
      await tx.execute(
        `INSERT INTO domain_file_documents (repo_id, content_hash, ${COLUMNS.join(', ')})
         SELECT $1, ($2::text[])[t.n], ${COLUMNS.map((c) => `t.${c}`).join(', ')} FROM unnest(${selects}) WITH ORDINALITY AS t(${COLUMNS.join(', ')}, n)
         ON CONFLICT DO NOTHING`,
        [repoId, batch.map((r) => hashOf.get(r.file_path) ?? ''), ...COLUMNS.map((c) => batch.map((r) => r[c]))],
        options,
      );
    }
  }

  async search(snapshot: SnapshotRef, query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
    if (!/[\p{L}\p{N}]/u.test(query)) {
      throw new InvalidQueryError(`domain query ${JSON.stringify(query)} has no words: pass words or a "quoted phrase"`, { component: COMPONENT });
    }
    const limit = Math.max(1, Math.min(options.limit ?? this.defaultLimit, 1000));
    const store = await this.#ready(options);
    // Rank first and cut to `limit`, then build snippets: ts_headline re-parses the body and is
    // the expensive part, so it runs only for the rows returned.
    const rows = await store.fetch<HitRow>(
      `WITH q AS (SELECT websearch_to_tsquery('english', $3) || websearch_to_tsquery('simple', $3) AS query),
       top AS (
         SELECT d.doc_id, d.source, d.file_path, d.start_line, d.end_line, d.title, d.heading_path, d.body,
                d.chunk_id, d.kind, d.mapping, ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', d.tsv, q.query, 1) AS rank
         FROM domain_documents d, q
         WHERE d.repo_id = $1 AND d.snapshot_id = $2 AND d.tsv @@ q.query
         ORDER BY rank DESC, d.file_path, d.start_line
         LIMIT $4
       )
       SELECT top.doc_id, top.source, top.file_path, top.start_line, top.end_line, top.title, top.heading_path,
              top.chunk_id, top.kind, top.mapping, top.rank,
              ts_headline('english', top.body, q.query, $5) AS snippet
       FROM top, q
       ORDER BY top.rank DESC, top.file_path, top.start_line`,
      [snapshot.repoId, snapshot.snapshotId, query, limit, this.#headlineOptions],
      options,
    );
    return rows.map((r) => ({
      chunkId: r.chunk_id ?? `virtual:${r.file_path}#L${r.start_line}-L${r.end_line}`,
      repoId: snapshot.repoId,
      snapshotId: snapshot.snapshotId,
      filePath: r.file_path,
      symbolId: null,
      score: Number(r.rank),
      index: 'domain',
      kind: (r.kind as SearchHit['kind']) ?? null,
      name: r.title,
      startLine: r.start_line,
      endLine: r.end_line,
      matchedLines: [],
      preview: r.snippet,
      mapping: r.mapping,
      metadata: { source: r.source, title: r.title, headingPath: r.heading_path ? r.heading_path.split(' > ') : [], docId: r.doc_id },
    }));
  }

  async deleteRepo(repoId: string, snapshotId?: string, options: CallOptions = {}): Promise<void> {
    const store = await this.#ready(options);
    await store.transaction((tx) => this.#members.deleteRepo(tx, repoId, snapshotId, options), options);
  }

  async healthCheck(_options: CallOptions = {}): Promise<HealthStatus> {
    const started = performance.now();
    try {
      return await (await this.#ready()).healthCheck();
    } catch (error) {
      return { ok: false, latencyMs: Math.round(performance.now() - started), error: (error as { detail?: string }).detail ?? (error as Error).message };
    }
  }

  /** Does nothing: the store belongs to whoever passed it in and is closed by them. */
  async close(): Promise<void> {}

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function countBySource(rows: readonly DocumentRow[]): Record<string, number> {
  return { sections: rows.filter((r) => r.source === 'doc').length, docstrings: rows.filter((r) => r.source === 'docstring').length };
}
