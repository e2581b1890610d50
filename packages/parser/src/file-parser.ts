import { basename, posix } from 'node:path';
import type { Chunk, ChunkKind, SourceFile, SymbolDefinition, SymbolKind, SymbolRelation, Visibility } from '@trawl/core';
import type { Language, Node, Tree } from 'web-tree-sitter';
import { getParser } from './grammar-loader.js';
import { chunkId, fileNodeId, moduleChunkId, projectChunkId, sha256Hex, symbolId } from './ids.js';
import { languageSpec, type DefinitionInfo, type SpecScope } from './language-specs.js';
import { detectLanguage, isGrammarLanguage, type GrammarLanguage } from './languages.js';
import { LineIndex } from './line-index.js';
import { linkRelations } from './symbol-linker.js';

/** A file to parse. `content` is the whole text; `language` defaults to detection by name. */
export interface ParseFileInput {
  repoId: string;
  snapshotId: string;
  /** Relative to the repository root, `/`-separated. */
  path: string;
  content: string;
  language?: string | null;
  /** sha256 hex of `content`; computed when omitted. */
  contentHash?: string;
  /** Text files longer than this many lines get `block` chunks of {@link blockLines}. Default 200. */
  blockThresholdLines?: number;
  /** Lines per `block` chunk. Default 100. */
  blockLines?: number;
}

/** One import as written in a file, kept for linking calls across files. */
export interface FileImport {
  /** The module as written: `./util`, `pkg.sub`, `example.com/x/util`, `util.h`. */
  source: string;
  /** The name bound in this file (`*` when everything lands in scope: `from x import *`, `#include`). */
  local: string;
  /** The name in the module (`*` for a namespace binding, `default` for a default import). */
  imported: string;
  line: number;
}

/** Everything one file yields. Chunks come in document order, the file chunk first. */
export interface ParsedFile {
  file: SourceFile;
  chunks: Chunk[];
  symbols: SymbolDefinition[];
  /** Relations with targets resolved inside the file; {@link linkRelations} resolves the rest. */
  relations: SymbolRelation[];
  imports: FileImport[];
  /** True when the grammar reported syntax errors (chunks are still produced for what parsed). */
  hasSyntaxErrors: boolean;
}

const CPP_HINT = /^\s*(namespace\b|class\s+\w+\s*[:{]|template\s*<|(public|private|protected)\s*:)|\w::\w/m;
const DEFAULT_BLOCK_THRESHOLD = 200;
const DEFAULT_BLOCK_LINES = 100;
/** Uncovered stretches of a parsed file shorter than this stay with the file chunk. */
const MIN_GAP_LINES = 40;
const MAX_SUMMARY = 400;

interface ScopeEntry extends SpecScope {
  /** The definition node (null for the file). Nodes inside it come after it and start before `end`. */
  node: Node | null;
  start: number;
  end: number;
  /** Ids of the node's `name` field children, computed when a reference inside needs them. */
  nameIds: Set<number | undefined> | null;
  /** Qualified name prefix for members (`Outer.Inner`). */
  qualified: string;
  symbolId: string | null;
  chunk: Chunk | null;
}

const F_DEF = 1;
const F_CALL = 2;
const F_IMPORT = 4;
const F_REF = 8;
const F_COMMENT = 16;
const F_ACCESS = 32;

/** Per language: what each node type id is to the walker (0: skip), and the flagged type names. */
interface FlagTable {
  flags: Uint8Array;
  types: string[];
}

const flagTables = new Map<string, FlagTable>();

function flagTable(language: GrammarLanguage, lang: Language): FlagTable {
  let table = flagTables.get(language);
  if (table) return table;
  const spec = languageSpec(language);
  const flags = new Uint8Array(lang.nodeTypeCount + 1);
  const types = new Set<string>();
  for (let id = 0; id < lang.nodeTypeCount; id++) {
    if (!lang.nodeTypeIsNamed(id)) continue;
    const type = lang.nodeTypeForId(id);
    if (!type) continue;
    let f = 0;
    if (type.includes('comment')) f |= F_COMMENT;
    else {
      if (spec.definitionTypes.has(type)) f |= F_DEF;
      if (spec.callTypes.has(type)) f |= F_CALL;
      if (spec.importTypes.has(type)) f |= F_IMPORT;
      if (spec.referenceTypes.has(type)) f |= F_REF;
      if (spec.accessTypes?.has(type)) f |= F_ACCESS;
    }
    flags[id] = f;
    if (f) types.add(type);
  }
  table = { flags, types: [...types] };
  flagTables.set(language, table);
  return table;
}

interface CommentInfo {
  startRow: number;
  endRow: number;
  text: string;
}

/** Number of lines as editors count them: a trailing newline does not start a new line. */
export function countLines(content: string): number {
  if (content.length === 0) return 1;
  let n = 1;
  for (let i = content.indexOf('\n'); i !== -1; i = content.indexOf('\n', i + 1)) n++;
  return content.endsWith('\n') ? n - 1 : n;
}

/** The parent chunk id of a file chunk: its directory's module chunk, or the project chunk at the root. */
export function fileParentChunkId(repoId: string, path: string): string {
  const dir = posix.dirname(path);
  return dir === '.' || dir === '' ? projectChunkId(repoId) : moduleChunkId(repoId, dir);
}

/**
 * Parses one file into its chunk tree (file > class/interface/struct > function/method, nested
 * definitions kept nested), its symbols and its relations. Files of a grammar language are split
 * by tree-sitter; any other text gets a file chunk and, when long, bounded line-window `block`
 * chunks. Ids never depend on `snapshotId`: the same content at the same path gives the same ids.
 *
 * ```ts
 * const parsed = await parseFile({ repoId: 'acme', snapshotId: 'abc123', path: 'src/a.ts', content })
 * parsed.chunks.map((c) => `${c.kind} ${c.fqn}`)
 * ```
 */
export async function parseFile(input: ParseFileInput): Promise<ParsedFile> {
  const content = input.content;
  let language = input.language === undefined ? detectLanguage(input.path) : input.language;
  // `.h` is C or C++: the content decides.
  if (language === 'c' && input.path.endsWith('.h') && CPP_HINT.test(content)) language = 'cpp';
  const lines = new LineIndex(content);
  const lineCount = countLines(content);
  const contentHash = input.contentHash ?? sha256Hex(content);
  const file: SourceFile = {
    path: input.path,
    language,
    contentHash,
    sizeBytes: Buffer.byteLength(content, 'utf8'),
    lineCount,
    content,
  };
  const fileChunk = makeChunk(input, {
    kind: 'file',
    name: basename(input.path),
    fqn: input.path,
    startLine: 1,
    endLine: lineCount,
    contentHash,
    parentId: fileParentChunkId(input.repoId, input.path),
    language,
    visibility: null,
    summary: null,
    symbolId: null,
    symbolOwner: null,
    importance: 0.5,
    attributes: { lineCount, sizeBytes: file.sizeBytes },
  });
  const result: ParsedFile = { file, chunks: [fileChunk], symbols: [], relations: [], imports: [], hasSyntaxErrors: false };

  if (!isGrammarLanguage(language)) {
    addBlocks(input, result, lines, lineCount, fileChunk);
    return result;
  }

  const parser = await getParser(language);
  let tree: Tree | null = null;
  try {
    tree = parser.parse(content);
    if (!tree) return result;
    result.hasSyntaxErrors = tree.rootNode.hasError;
    walkTree(input, language, flagTable(language, parser.language!), tree, lines, result, fileChunk);
  } finally {
    tree?.delete();
  }
  addGapBlocks(input, result, lines, lineCount, fileChunk);
  linkRelations([result], { pathsKnown: false, keepUnresolvedReferences: true });
  return result;
}

function makeChunk(
  input: ParseFileInput,
  fields: Omit<Chunk, 'id' | 'repoId' | 'snapshotId' | 'filePath' | 'childIds' | 'version' | 'lastIndexedCommit' | 'deleted'>,
): Chunk {
  return {
    id: chunkId({ repoId: input.repoId, filePath: input.path, kind: fields.kind, fqn: fields.fqn, startLine: fields.startLine, endLine: fields.endLine, contentHash: fields.contentHash }),
    repoId: input.repoId,
    snapshotId: input.snapshotId,
    filePath: input.path,
    childIds: [],
    version: 1,
    lastIndexedCommit: null,
    deleted: false,
    ...fields,
  };
}

/** The first Markdown heading among lines `from`..`to` (1-based). */
function markdownHeading(lines: LineIndex, from: number, to: number): string | undefined {
  for (let row = from - 1; row < Math.min(to, lines.count); row++) {
    const l = lines.line(row);
    if (/^#{1,6}\s/.test(l)) return l;
  }
  return undefined;
}

/** Bounded line windows for long text files, so a hit maps to a span smaller than the file. */
function addBlocks(input: ParseFileInput, result: ParsedFile, lines: LineIndex, lineCount: number, fileChunk: Chunk): void {
  const threshold = input.blockThresholdLines ?? DEFAULT_BLOCK_THRESHOLD;
  const size = Math.max(1, input.blockLines ?? DEFAULT_BLOCK_LINES);
  if (lineCount <= threshold) return;
  for (let start = 1; start <= lineCount; start += size) {
    const end = Math.min(lineCount, start + size - 1);
    const heading = input.language === 'markdown' || detectLanguage(input.path) === 'markdown' ? markdownHeading(lines, start, end) : undefined;
    addBlock(input, result, lines, fileChunk, start, end, heading ? heading.replace(/^#+\s*/, '').slice(0, MAX_SUMMARY) : null);
  }
}

/** One `block` chunk of lines `start`..`end`, a child of the file chunk. */
function addBlock(input: ParseFileInput, result: ParsedFile, lines: LineIndex, fileChunk: Chunk, start: number, end: number, summary: string | null): void {
  const chunk = makeChunk(input, {
    kind: 'block',
    name: `${basename(input.path)}:${start}-${end}`,
    fqn: `${input.path}:${start}-${end}`,
    startLine: start,
    endLine: end,
    contentHash: sha256Hex(lines.slice(start, end)),
    parentId: fileChunk.id,
    language: fileChunk.language,
    visibility: null,
    summary,
    symbolId: null,
    symbolOwner: null,
    importance: 0.3,
    attributes: {},
  });
  fileChunk.childIds.push(chunk.id);
  result.chunks.push(chunk);
}

/**
 * Long stretches of a parsed file that no definition covers (top-level scripts, big literal
 * tables) get `block` chunks too, so a line there maps to something smaller than the file.
 */
function addGapBlocks(input: ParseFileInput, result: ParsedFile, lines: LineIndex, lineCount: number, fileChunk: Chunk): void {
  const threshold = input.blockThresholdLines ?? DEFAULT_BLOCK_THRESHOLD;
  const size = Math.max(1, input.blockLines ?? DEFAULT_BLOCK_LINES);
  if (lineCount <= threshold) return;
  const byId = new Map(result.chunks.map((c) => [c.id, c]));
  const covered = fileChunk.childIds.map((id) => byId.get(id)!).sort((a, b) => a.startLine - b.startLine);
  const gaps: [number, number][] = [];
  let next = 1;
  for (const c of covered) {
    if (c.startLine - next >= MIN_GAP_LINES) gaps.push([next, c.startLine - 1]);
    next = Math.max(next, c.endLine + 1);
  }
  if (lineCount - next + 1 >= MIN_GAP_LINES) gaps.push([next, lineCount]);
  if (!gaps.length) return;
  for (const [from, to] of gaps) {
    for (let start = from; start <= to; start += size) {
      addBlock(input, result, lines, fileChunk, start, Math.min(to, start + size - 1), null);
    }
  }
  // Keep document order: children by start line, parents before their children.
  const rest = result.chunks.slice(1).sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine);
  result.chunks.splice(1, rest.length, ...rest);
  const order = new Map(result.chunks.map((c, i) => [c.id, i]));
  fileChunk.childIds.sort((a, b) => order.get(a)! - order.get(b)!);
}

function endLineOf(node: Node): number {
  const end = node.endPosition;
  // A node that ends at column 0 ends on the previous line (it swallowed the newline).
  return end.column === 0 && end.row > node.startPosition.row ? end.row : end.row + 1;
}

/** A point past any node: `descendantsOfType` then searches the whole tree. */
const END_OF_TREE = { row: 0xffffffff, column: 0xffffffff };
const START_OF_TREE = { row: 0, column: 0 };

/**
 * Finds the nodes the flag table cares about in one call into wasm (`descendantsOfType` walks the
 * tree in C and returns them in document order, the order a TreeCursor visits them), instead of
 * stepping a cursor through every node from JavaScript: about 7% of the nodes are flagged, and
 * each cursor step is several calls across the wasm boundary. Nesting is recovered from byte
 * ranges (a node inside an open definition starts before the definition ends).
 */
function walkTree(input: ParseFileInput, language: GrammarLanguage, table: FlagTable, tree: Tree, lines: LineIndex, result: ParsedFile, fileChunk: Chunk): void {
  const spec = languageSpec(language);
  const { flags } = table;
  const content = input.content;
  const fileId = fileNodeId(input.path);
  const comments: CommentInfo[] = [];
  const seenQualified = new Map<string, number>();
  const pendingOwners: { symbol: SymbolDefinition; chunk: Chunk | null; ownerName: string }[] = [];
  const referenceSeen = new Set<string>();
  const root: ScopeEntry = { node: null, start: -1, end: Infinity, nameIds: null, kind: null, symbolKind: null, name: null, access: null, qualified: '', symbolId: null, chunk: fileChunk };
  const stack: ScopeEntry[] = [root];

  const nodes = tree.rootNode.descendantsOfType(table.types, START_OF_TREE, END_OF_TREE);
  for (const node of nodes) {
    const f = flags[node.typeId] ?? 0;
    if (f === 0) continue; // an anonymous token spelled like a flagged named type
    const start = node.startIndex;
    const end = node.endIndex;
    while (stack.length > 1 && !encloses(stack[stack.length - 1]!, node, start, end)) stack.pop();
    const scope = stack[stack.length - 1]!;
    if (f & F_COMMENT) {
      const startPos = node.startPosition;
      if (lines.prefix(startPos.row, startPos.column).trim() === '') {
        const endPos = node.endPosition;
        comments.push({ startRow: startPos.row, endRow: endPos.column === 0 && endPos.row > startPos.row ? endPos.row - 1 : endPos.row, text: content.slice(start, end) });
      }
      continue;
    }
    if (f & F_DEF) {
      const def = spec.definition(node, scope);
      if (def && def.name) {
        const entry = addDefinition(input, result, spec.language, def, scope, node, start, end, lines, comments, seenQualified, pendingOwners, fileId);
        stack.push(entry);
      }
    }
    if (f & F_CALL) {
      const call = spec.call(node);
      if (call) {
        result.relations.push({
          kind: 'calls',
          fromId: innermostSymbol(stack) ?? fileId,
          toId: null,
          toName: call.target,
          resolved: false,
          filePath: input.path,
          line: node.startPosition.row + 1,
        });
      }
    }
    if (f & F_IMPORT) {
      const found = spec.imports(node);
      const list = found === null ? [] : Array.isArray(found) ? found : [found];
      const line = node.startPosition.row + 1;
      for (const imp of list) {
        if (!imp.source) continue;
        result.relations.push({ kind: 'imports', fromId: fileId, toId: null, toName: imp.source, resolved: false, filePath: input.path, line });
        for (const b of imp.bindings) result.imports.push({ source: imp.source, local: b.local, imported: b.imported, line });
      }
    }
    if (f & F_REF) {
      // A definition's own name (its `name` field child) is not a reference to itself.
      const top = stack[stack.length - 1]!;
      if (top.node) top.nameIds ??= new Set(top.node.childrenForFieldName('name').map((c) => c?.id));
      const isOwnName = top.nameIds?.has(node.id) ?? false;
      if (!isOwnName) {
        const from = innermostSymbol(stack) ?? fileId;
        const name = content.slice(start, end);
        const key = `${from}\u0000${name}`;
        if (!referenceSeen.has(key)) {
          referenceSeen.add(key);
          result.relations.push({ kind: 'references', fromId: from, toId: null, toName: name, resolved: false, filePath: input.path, line: node.startPosition.row + 1 });
        }
      }
    }
    if (f & F_ACCESS && spec.access) {
      const access = spec.access(node);
      if (access) scope.access = access;
    }
  }

  // Owners named by syntax (Go receivers, `Foo::bar`, Rust impls) rather than by nesting.
  if (pendingOwners.length) {
    const byName = new Map<string, SymbolDefinition>();
    for (const s of result.symbols) if (isTypeKind(s.kind) && !byName.has(s.name)) byName.set(s.name, s);
    for (const p of pendingOwners) {
      const owner = byName.get(p.ownerName);
      if (!owner || owner.id === p.symbol.id) continue;
      p.symbol.ownerId = owner.id;
      if (p.chunk) p.chunk.symbolOwner = owner.id;
      result.relations.push({ kind: 'contains', fromId: owner.id, toId: p.symbol.id, toName: p.symbol.name, resolved: true, filePath: input.path, line: p.symbol.startLine });
    }
  }
}

function isTypeKind(kind: SymbolKind): boolean {
  return kind === 'class' || kind === 'interface' || kind === 'struct' || kind === 'enum' || kind === 'trait' || kind === 'type';
}

/**
 * Whether a node that comes after `entry`'s node in document order lies inside it. Such a node
 * starts before the entry ends; only a zero-width node right at the end (a MISSING token the
 * parser inserted) is ambiguous, and its parents decide.
 */
function encloses(entry: ScopeEntry, node: Node, start: number, end: number): boolean {
  if (start < entry.end) return true;
  if (start > entry.end || end !== start || !entry.node) return false;
  for (let p = node.parent; p; p = p.parent) {
    if (p.id === entry.node.id) return true;
    if (p.startIndex < entry.start) return false;
  }
  return false;
}

function innermostSymbol(stack: ScopeEntry[]): string | null {
  for (let i = stack.length - 1; i > 0; i--) if (stack[i]!.symbolId) return stack[i]!.symbolId;
  return null;
}

function addDefinition(
  input: ParseFileInput,
  result: ParsedFile,
  language: string,
  def: DefinitionInfo,
  scope: ScopeEntry,
  node: Node,
  start: number,
  end: number,
  lines: LineIndex,
  comments: CommentInfo[],
  seenQualified: Map<string, number>,
  pendingOwners: { symbol: SymbolDefinition; chunk: Chunk | null; ownerName: string }[],
  fileId: string,
): ScopeEntry {
  const span = def.span;
  // Whatever is declared inside a function body is local to it.
  if (scope.kind === 'function' || scope.kind === 'method') def.visibility = 'private';
  const defStart = span.startPosition.row;
  const endLine = endLineOf(span);
  // Leading comments directly above the definition (no blank line between) document it.
  let firstCommentRow = defStart;
  const docParts: string[] = [];
  for (let i = comments.length - 1; i >= 0; i--) {
    const c = comments[i]!;
    if (c.startRow >= defStart) continue; // between a wrapper's start and the definition itself
    if (c.endRow !== firstCommentRow - 1) break;
    docParts.unshift(c.text);
    firstCommentRow = c.startRow;
  }
  const summary = cleanSummary(def.docstring ?? (docParts.length ? docParts.join('\n') : null));
  const startLine = firstCommentRow + 1;

  // Members of a syntax-named owner (Go receiver, Rust impl) are qualified by the owner's name.
  const ownerName = def.ownerName ?? (scope.symbolId === null && scope.kind === 'type' ? scope.name ?? undefined : undefined);
  const prefix = def.ownerName && !def.noSymbol ? `${def.ownerName}.` : scope.qualified ? `${scope.qualified}.` : '';
  let qualified = def.noSymbol ? `impl ${def.implements?.length ? `${def.implements[0]} for ` : ''}${def.name}` : prefix + def.name;
  const seen = seenQualified.get(qualified) ?? 0;
  seenQualified.set(qualified, seen + 1);
  if (seen > 0) qualified = `${qualified}#${seen + 1}`;
  const fqn = `${input.path}:${qualified}`;
  const contentHash = lines.hashLines(startLine, endLine);
  const ownerSymbol = def.ownerName && !def.noSymbol ? null : scope.symbolId;
  const sid = def.noSymbol ? null : symbolId(input.repoId, input.path, qualified);

  let chunk: Chunk | null = null;
  if (def.chunk !== false) {
    const parentChunk = scope.chunk ?? result.chunks[0]!;
    chunk = makeChunk(input, {
      kind: def.kind,
      name: def.name,
      fqn,
      startLine,
      endLine,
      contentHash,
      parentId: parentChunk.id,
      language,
      visibility: def.visibility,
      summary,
      symbolId: sid,
      symbolOwner: ownerSymbol,
      importance: importanceOf(def),
      attributes: def.noSymbol
        ? { impl: true, ...(def.implements?.length ? { trait: def.implements[0] } : {}) }
        : { symbolKind: def.symbolKind, ...(def.extends?.length || def.implements?.length ? { bases: [...(def.extends ?? []), ...(def.implements ?? [])] } : {}) },
    });
    parentChunk.childIds.push(chunk.id);
    result.chunks.push(chunk);
  }

  if (sid) {
    const symbol: SymbolDefinition = {
      id: sid,
      name: def.name,
      fqn,
      kind: def.symbolKind,
      filePath: input.path,
      startLine: span.startPosition.row + 1,
      endLine,
      chunkId: chunk?.id ?? scope.chunk?.id ?? null,
      ownerId: ownerSymbol,
      language,
      visibility: def.visibility,
    };
    result.symbols.push(symbol);
    result.relations.push({ kind: 'defines', fromId: fileId, toId: sid, toName: def.name, resolved: true, filePath: input.path, line: symbol.startLine });
    if (ownerSymbol) result.relations.push({ kind: 'contains', fromId: ownerSymbol, toId: sid, toName: def.name, resolved: true, filePath: input.path, line: symbol.startLine });
    else if (ownerName) pendingOwners.push({ symbol, chunk, ownerName });
    for (const base of def.extends ?? []) result.relations.push({ kind: 'extends', fromId: sid, toId: null, toName: base, resolved: false, filePath: input.path, line: symbol.startLine });
    for (const base of def.implements ?? []) result.relations.push({ kind: 'implements', fromId: sid, toId: null, toName: base, resolved: false, filePath: input.path, line: symbol.startLine });
  }

  return {
    node,
    start,
    end,
    nameIds: null,
    kind: def.kind,
    symbolKind: def.symbolKind,
    name: def.noSymbol ? def.ownerName ?? def.name : def.name,
    access: null,
    qualified: def.noSymbol ? def.ownerName ?? def.name : qualified,
    symbolId: sid,
    chunk: chunk ?? scope.chunk,
  };
}

function importanceOf(def: DefinitionInfo): number {
  const base = def.visibility === 'public' ? 0.6 : def.visibility === 'protected' || def.visibility === 'internal' ? 0.45 : 0.35;
  return def.kind === 'class' || def.kind === 'interface' || def.kind === 'trait' || def.kind === 'struct' ? base + 0.1 : base;
}

/** Strips comment markers and keeps the first paragraph. */
export function cleanSummary(raw: string | null): string | null {
  if (!raw) return null;
  const body = raw
    .split('\n')
    .map((l) =>
      l
        .trim()
        .replace(/^\/\*\*?|\*\/$/g, '')
        .replace(/^(\/\/\/?|#+!?|--|\*)\s?/, '')
        .replace(/<\/?(summary|remarks|returns|param[^>]*)>/g, '')
        .trim(),
    )
    .join('\n')
    .trim();
  const para = body.split(/\n\s*\n/)[0]!.replace(/\s+/g, ' ').trim();
  if (!para) return null;
  return para.length > MAX_SUMMARY ? `${para.slice(0, MAX_SUMMARY - 1)}…` : para;
}
