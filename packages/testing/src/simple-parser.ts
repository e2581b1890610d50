import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Chunk, ParsedFiles, RepositoryParser, RepositoryScan, SourceFileInfo, SymbolDefinition } from '@trawl/core';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * A tiny RepositoryParser for facade tests: every file gets a file chunk, and each
 * `function name() {` line opens a function chunk that ends at the next line that is exactly `}`.
 * The real tree-sitter parser lives in @trawl/parser; this keeps retrieval tests about retrieval.
 */
export class LineParser implements RepositoryParser {
  async scan(root: string): Promise<RepositoryScan> {
    const files: RepositoryScan['files'] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (entry.name.startsWith('.')) continue;
        const full = join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else {
          const content = await readFile(full, 'utf8');
          files.push({ path: relative(root, full).split('\\').join('/'), sizeBytes: (await stat(full)).size, language: 'text', contentHash: sha(content) });
        }
      }
    };
    await walk(root);
    files.sort((a, b) => a.path.localeCompare(b.path));
    return { files, skipped: [], commit: null };
  }

  async parse(root: string, options: { repoId: string; snapshotId: string; paths?: readonly string[] }): Promise<ParsedFiles> {
    const scan = await this.scan(root);
    const paths = options.paths ?? scan.files.map((f) => f.path);
    const out: ParsedFiles = { files: [], chunks: [], symbols: [], relations: [] };
    for (const path of paths) {
      const content = await readFile(join(root, path), 'utf8');
      const lines = content.split('\n');
      out.files.push({ path, content, language: 'text', contentHash: sha(content), sizeBytes: Buffer.byteLength(content), lineCount: lines.length });
      const fileId = `c:${sha(`${options.repoId}|${path}|file|${sha(content)}`).slice(0, 16)}`;
      const file: Chunk = {
        id: fileId, repoId: options.repoId, snapshotId: options.snapshotId, filePath: path, kind: 'file', name: path, fqn: path,
        startLine: 1, endLine: lines.length, contentHash: sha(content), parentId: null, childIds: [], language: 'text', symbolId: null,
        symbolOwner: null, visibility: null, summary: null, importance: 0, attributes: {}, version: 1, lastIndexedCommit: null, deleted: false,
      };
      out.chunks.push(file);
      lines.forEach((line, i) => {
        const m = /^function (\w+)\(/.exec(line);
        if (!m) return;
        let end = i;
        while (end < lines.length - 1 && lines[end] !== '}') end++;
        const body = lines.slice(i, end + 1).join('\n');
        const id = `c:${sha(`${options.repoId}|${path}|${m[1]}|${i + 1}|${sha(body)}`).slice(0, 16)}`;
        const symbol: SymbolDefinition = { id: `s:${path}:${m[1]}`, name: m[1]!, fqn: `${path}:${m[1]}`, kind: 'function', filePath: path, startLine: i + 1, endLine: end + 1, chunkId: id, ownerId: null, language: 'text', visibility: 'public' };
        out.symbols.push(symbol);
        file.childIds.push(id);
        out.chunks.push({ ...file, id, kind: 'function', name: m[1]!, fqn: symbol.fqn, startLine: i + 1, endLine: end + 1, contentHash: sha(body), parentId: fileId, childIds: [], symbolId: symbol.id });
      });
    }
    return out;
  }
}

/**
 * A LineParser whose scan reports the change times a test sets in `times` (by path; `null` is a
 * file too recent to trust; a file not listed gets `1000 + its size`), and records in `seen` the
 * stat cache (`known`) each indexer scan was handed: for tests of the indexer's stat cache.
 */
export class TimedLineParser extends LineParser {
  readonly seen: (ReadonlyMap<string, SourceFileInfo> | undefined)[] = [];
  readonly times = new Map<string, number | null>();

  override async scan(root: string, options?: { known?: ReadonlyMap<string, SourceFileInfo> }): Promise<RepositoryScan> {
    if (options) this.seen.push(options.known); // (LineParser.parse scans too, without options)
    const scan = await super.scan(root);
    return { ...scan, files: scan.files.map((f) => ({ ...f, modifiedMs: this.times.has(f.path) ? this.times.get(f.path)! : 1_000 + f.sizeBytes })) };
  }
}
