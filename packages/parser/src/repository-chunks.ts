import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { Chunk, SourceFileInfo } from '@trawl/core';
import { chunkId, moduleChunkId, projectChunkId, sha256Hex } from './ids.js';

/** What {@link buildRepositoryChunks} needs of each file (a `SourceFileInfo` fits). */
export type RepositoryFileInfo = Pick<SourceFileInfo, 'path' | 'contentHash' | 'lineCount'> & { language?: string | null };

interface ModuleEntry {
  children: string[];
  entries: string[];
  files: number;
  languages: Map<string, number>;
}

/** The chunk id `parseFile` gives a file's `file` chunk, computed without parsing it. */
export function fileChunkId(repoId: string, file: Pick<SourceFileInfo, 'path' | 'contentHash' | 'lineCount'>): string {
  return chunkId({ repoId, filePath: file.path, kind: 'file', fqn: file.path, startLine: 1, endLine: Math.max(1, file.lineCount), contentHash: file.contentHash });
}

/**
 * The levels above files: one `module` chunk per directory that holds indexed files (directly
 * or below) and one `project` chunk, linked parent/children down to the file chunks. Module and
 * project ids are stable across snapshots (they name the directory, not its content); their
 * `contentHash` changes when anything below does. Pass every file of the snapshot; with `only`,
 * the module chunks of those directories alone are built (an incremental run: the others did not
 * change), with the project chunk.
 *
 * ```ts
 * const upper = buildRepositoryChunks('acme', 'abc123', parsed.files)
 * ```
 */
export function buildRepositoryChunks(repoId: string, snapshotId: string, files: readonly RepositoryFileInfo[], only?: ReadonlySet<string>): Chunk[] {
  const projectId = projectChunkId(repoId);
  // (with `only`, no id is computed for a file or directory whose parent's chunk is not built:
  // at 10k files and one replaced path, 27 -> 11 ms per incremental run)
  const built = (dir: string) => only === undefined || only.has(dir);
  const modules = new Map<string, ModuleEntry>();
  const ensure = (dir: string) => {
    let m = modules.get(dir);
    if (!m) {
      m = { children: [], entries: [], files: 0, languages: new Map() };
      modules.set(dir, m);
      const parent = posix.dirname(dir);
      if (parent !== '.' && parent !== '') {
        const above = ensure(parent);
        if (built(parent)) above.children.push(moduleChunkId(repoId, dir));
      }
    }
    return m;
  };
  const projectChildren: string[] = [];
  const projectLanguages = new Map<string, number>();
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const allEntries: string[] = [];
  // Per directory, the built chunks of it and above that count its files (worked out once per
  // directory, not once per file).
  const counted = new Map<string, ModuleEntry[]>();
  for (const f of sorted) {
    const lang = f.language ?? 'text';
    projectLanguages.set(lang, (projectLanguages.get(lang) ?? 0) + 1);
    const entry = `${f.path}\u0000${f.contentHash}`;
    allEntries.push(entry);
    const dir = posix.dirname(f.path);
    if (dir === '.' || dir === '') {
      projectChildren.push(fileChunkId(repoId, f));
      continue;
    }
    const home = ensure(dir);
    if (built(dir)) home.children.push(fileChunkId(repoId, f));
    let above = counted.get(dir);
    if (!above) {
      above = [];
      for (let d = dir; d !== '.' && d !== ''; d = posix.dirname(d)) if (built(d)) above.push(modules.get(d)!);
      counted.set(dir, above);
    }
    for (const m of above) {
      m.entries.push(entry);
      m.files++;
      m.languages.set(lang, (m.languages.get(lang) ?? 0) + 1);
    }
  }
  const chunks: Chunk[] = [];
  const dirs = [...modules.keys()].sort();
  for (const dir of dirs) {
    const m = modules.get(dir)!;
    const parent = posix.dirname(dir);
    if (parent === '.' || parent === '') projectChildren.push(moduleChunkId(repoId, dir));
    if (!built(dir)) continue;
    chunks.push({
      id: moduleChunkId(repoId, dir),
      repoId,
      snapshotId,
      filePath: dir,
      kind: 'module',
      name: posix.basename(dir),
      fqn: `${dir}/`,
      startLine: 1,
      endLine: 1,
      contentHash: sha256Hex(m.entries.join('\n')),
      parentId: parent === '.' || parent === '' ? projectId : moduleChunkId(repoId, parent),
      childIds: [...new Set(m.children)],
      language: dominant(m.languages),
      symbolId: null,
      symbolOwner: null,
      visibility: null,
      summary: `${m.files} files (${[...m.languages].sort((a, b) => b[1] - a[1]).map(([l, n]) => `${n} ${l}`).join(', ')})`,
      importance: 0.4,
      attributes: { fileCount: m.files, languages: Object.fromEntries(m.languages) },
      version: 1,
      lastIndexedCommit: null,
      deleted: false,
    });
  }
  chunks.unshift({
    id: projectId,
    repoId,
    snapshotId,
    filePath: '',
    kind: 'project',
    name: repoId,
    fqn: repoId,
    startLine: 1,
    endLine: 1,
    contentHash: sha256Hex(allEntries.join('\n')),
    parentId: null,
    childIds: projectChildren,
    language: dominant(projectLanguages),
    symbolId: null,
    symbolOwner: null,
    visibility: null,
    summary: `${files.length} files (${[...projectLanguages].sort((a, b) => b[1] - a[1]).map(([l, n]) => `${n} ${l}`).join(', ')})`,
    importance: 0.3,
    attributes: { fileCount: files.length, languages: Object.fromEntries(projectLanguages) },
    version: 1,
    lastIndexedCommit: null,
    deleted: false,
  });
  return chunks;
}

function dominant(counts: Map<string, number>): string | null {
  let best: string | null = null;
  let n = 0;
  for (const [k, v] of counts) if (v > n && k !== 'text') [best, n] = [k, v];
  return best;
}

/**
 * A content-derived snapshot id for a plain directory (no git commit): the same files with the
 * same contents give the same id. Same formula as the indexer's, so both agree.
 */
export function contentSnapshotId(files: readonly Pick<SourceFileInfo, 'path' | 'contentHash'>[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    h.update(f.path).update('\u0000').update(f.contentHash).update('\n');
  }
  return h.digest('hex').slice(0, 16);
}
