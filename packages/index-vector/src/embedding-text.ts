import { createHash } from 'node:crypto';
import type { Chunk, SnapshotDelta, SourceFile } from '@trawl/core';

/** One chunk ready to be embedded: its text and the key its vector is cached under. */
export interface EmbeddingItem {
  chunk: Chunk;
  text: string;
  /** sha256 of `text`: the same key in the same model's space means the same vector. */
  key: string;
}

export interface EmbeddingTextOptions {
  /** Characters of chunk text kept. Default 8000. */
  maxChars?: number;
  /** Chunk kinds embedded. Default: every kind but `project` and `module`. */
  kinds?: readonly string[];
}

const SKIPPED = new Set(['project', 'module']);

/**
 * The text a chunk is embedded as: a header (kind and qualified name), its docstring, then its
 * lines from the file. The key is the hash of exactly that text, so an unchanged chunk (same
 * content, same place) is never embedded twice for the same model, in any snapshot.
 */
export function embeddingItems(chunks: readonly Chunk[], files: readonly SourceFile[], options: EmbeddingTextOptions = {}): EmbeddingItem[] {
  const maxChars = options.maxChars ?? 8000;
  const kinds = options.kinds ? new Set(options.kinds) : undefined;
  const lines = new Map<string, string[]>();
  for (const f of files) lines.set(f.path, f.content.split('\n'));
  const items: EmbeddingItem[] = [];
  for (const chunk of chunks) {
    if (chunk.deleted) continue;
    if (kinds ? !kinds.has(chunk.kind) : SKIPPED.has(chunk.kind)) continue;
    const fileLines = lines.get(chunk.filePath);
    const body = fileLines ? fileLines.slice(chunk.startLine - 1, chunk.endLine).join('\n') : '';
    const text = [`${chunk.kind} ${chunk.fqn}`, chunk.summary ?? '', body].filter(Boolean).join('\n').slice(0, maxChars);
    items.push({ chunk, text, key: createHash('sha256').update(text).digest('hex') });
  }
  return items;
}

/** A table / collection name for a model and dimension: stable, readable, and safe as an SQL identifier. */
export function vectorSpaceName(prefix: string, model: string, dimensions: number): string {
  const slug = model.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 28);
  const hash = createHash('sha256').update(model).digest('hex').slice(0, 8);
  return `${prefix}_${slug}_${hash}_${dimensions}`;
}

/** The base snapshot to carry unchanged vectors from, and the files not to carry. */
export interface VectorCarryOver {
  base: string;
  replaced: string[];
}

/**
 * What an incremental run embeds (the changed files' chunks) and what it carries over from the
 * base snapshot: the same for every vector backend.
 */
export function deltaEmbeddingItems(delta: SnapshotDelta, options: EmbeddingTextOptions = {}): { items: EmbeddingItem[]; carry: VectorCarryOver } {
  const changed = new Set(delta.changedPaths);
  const items = embeddingItems(
    delta.chunks.filter((c) => changed.has(c.filePath)),
    delta.files.filter((f) => changed.has(f.path)),
    options,
  );
  return { items, carry: { base: delta.baseSnapshotId, replaced: [...new Set([...delta.changedPaths, ...delta.deletedPaths])] } };
}

