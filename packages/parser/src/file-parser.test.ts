import { validateChunks, type Chunk } from '@trawl/core';
import { describe, expect, it } from 'vitest';
import { parseFile, type ParsedFile } from './file-parser.js';
import { fileParentChunkId } from './file-parser.js';

const parse = (path: string, content: string, snapshotId = 'snap-1') => parseFile({ repoId: 'repo', snapshotId, path, content });
const outline = (p: ParsedFile) => p.chunks.map((c) => `${c.kind} ${c.fqn.slice(c.fqn.indexOf(':') + 1)}`);
const byName = (p: ParsedFile, name: string) => p.chunks.find((c) => c.name === name)!;

const TS = `import { helper } from './helper';

/** Base of all shapes. */
export abstract class Shape {
  abstract area(): number;
  /** Human-readable description. */
  describe(): string {
    return \`\${this.name()} \${this.area()}\`;
  }
  protected name(): string { return 'shape'; }
  private secret() {}
}

export class Circle extends Shape implements Printable {
  constructor(private r: number) { super(); }
  area() { return helper(this.r); }
  static Builder = class {
    build() { return new Circle(1); }
  };
}

export interface Printable { print(): void; }
export const double = (x: number) => x * 2;
function outer() {
  function inner() { return double(2); }
  return inner();
}
`;

describe('parseFile', () => {
  it('builds the TypeScript chunk tree with nesting, kinds and fqns', async () => {
    const p = await parse('src/shapes.ts', TS);
    expect(outline(p)).toEqual([
      'file src/shapes.ts',
      'class Shape',
      'method Shape.describe',
      'method Shape.name',
      'method Shape.secret',
      'class Circle',
      'method Circle.constructor',
      'method Circle.area',
      'class Circle.Builder',
      'method Circle.Builder.build',
      'interface Printable',
      'function double',
      'function outer',
      'function outer.inner',
    ]);
    const shape = byName(p, 'Shape');
    expect(shape.summary).toBe('Base of all shapes.');
    expect(shape.startLine).toBe(3); // the doc comment belongs to the chunk
    expect(shape.visibility).toBe('public');
    expect(byName(p, 'name').visibility).toBe('protected');
    expect(byName(p, 'secret').visibility).toBe('private');
    expect(byName(p, 'outer').visibility).toBe('private');
    expect(byName(p, 'describe').summary).toBe('Human-readable description.');
    // parent/children
    const file = p.chunks[0]!;
    expect(file.parentId).toBe(fileParentChunkId('repo', 'src/shapes.ts'));
    expect(file.childIds).toEqual(['Shape', 'Circle', 'Printable', 'double', 'outer'].map((n) => byName(p, n).id));
    const builder = p.chunks.find((c) => c.fqn.endsWith(':Circle.Builder'))!;
    expect(builder.parentId).toBe(byName(p, 'Circle').id);
    expect(byName(p, 'build').parentId).toBe(builder.id);
    expect(byName(p, 'inner').parentId).toBe(byName(p, 'outer').id);
    expect(() => validateChunks(p.chunks)).not.toThrow();
  });

  it('emits symbols and in-file relations', async () => {
    const p = await parse('src/shapes.ts', TS);
    const sym = (fqn: string) => p.symbols.find((s) => s.fqn === `src/shapes.ts:${fqn}`)!;
    expect(sym('Shape.area')).toMatchObject({ kind: 'method', chunkId: byName(p, 'Shape').id }); // abstract: no chunk of its own
    expect(sym('Circle.constructor').kind).toBe('constructor');
    expect(sym('Circle.area').ownerId).toBe(sym('Circle').id);
    expect(byName(p, 'area').symbolOwner).toBe(sym('Circle').id);
    const rel = (kind: string, from: string, to: string) =>
      p.relations.find((r) => r.kind === kind && r.fromId === sym(from).id && r.toName === to);
    expect(rel('extends', 'Circle', 'Shape')).toMatchObject({ resolved: true, toId: sym('Shape').id });
    expect(rel('implements', 'Circle', 'Printable')).toMatchObject({ resolved: true, toId: sym('Printable').id });
    expect(rel('calls', 'Shape.describe', 'this.name')).toMatchObject({ resolved: true, toId: sym('Shape.name').id });
    expect(rel('calls', 'outer.inner', 'double')).toMatchObject({ resolved: true, toId: sym('double').id });
    expect(rel('calls', 'Circle.Builder.build', 'Circle')).toMatchObject({ resolved: true, toId: sym('Circle').id });
    // Imported: resolved only at repository level.
    expect(rel('calls', 'Circle.area', 'helper')).toMatchObject({ resolved: false, toId: null });
    expect(p.imports).toEqual([{ source: './helper', local: 'helper', imported: 'helper', line: 1 }]);
    expect(p.relations.find((r) => r.kind === 'imports')).toMatchObject({ fromId: 'file:src/shapes.ts', toName: './helper', resolved: false });
    expect(p.relations.filter((r) => r.kind === 'defines')).toHaveLength(p.symbols.length);
  });

  it('gives the same ids for the same content, whatever the snapshot', async () => {
    const a = await parse('src/shapes.ts', TS, 'snap-1');
    const b = await parse('src/shapes.ts', TS, 'snap-2');
    expect(b.chunks.map((c) => c.id)).toEqual(a.chunks.map((c) => c.id));
    expect(b.symbols.map((s) => s.id)).toEqual(a.symbols.map((s) => s.id));
    expect(new Set(a.chunks.map((c) => c.id)).size).toBe(a.chunks.length);
    expect(b.chunks.every((c) => c.snapshotId === 'snap-2')).toBe(true);
    // An edit moves only what it touches: the class above the edit keeps its id.
    const edited = await parse('src/shapes.ts', TS.replace('return inner();', 'return inner() + 1;'));
    expect(byName(edited, 'Shape').id).toBe(byName(a, 'Shape').id);
    expect(byName(edited, 'outer').id).not.toBe(byName(a, 'outer').id);
    expect(edited.chunks[0]!.contentHash).not.toBe(a.chunks[0]!.contentHash);
  });

  it('keeps text files whole, with line-window blocks when long', async () => {
    const small = await parse('docs/guide.md', '# Guide\n\nShort.\n');
    expect(outline(small)).toEqual(['file docs/guide.md']);
    expect(small.chunks[0]).toMatchObject({ language: 'markdown', startLine: 1, endLine: 3 });
    const long = Array.from({ length: 450 }, (_, i) => (i === 120 ? '## Section two' : `line ${i + 1}`)).join('\n');
    const big = await parse('docs/big.md', long);
    const blocks = big.chunks.filter((c) => c.kind === 'block');
    expect(blocks.map((b) => [b.startLine, b.endLine])).toEqual([[1, 100], [101, 200], [201, 300], [301, 400], [401, 450]]);
    expect(blocks[1]!.summary).toBe('Section two');
    expect(blocks.every((b) => b.parentId === big.chunks[0]!.id)).toBe(true);
    expect(big.chunks[0]!.childIds).toEqual(blocks.map((b) => b.id));
    expect(big.symbols).toEqual([]);
  });

  it('gives long stretches outside any definition of a parsed file their own blocks', async () => {
    const script = ['import os', ...Array.from({ length: 150 }, (_, i) => `print(${i})`), 'def tail():', '    return 1', ...Array.from({ length: 60 }, (_, i) => `x${i} = ${i}`)].join('\n');
    const p = await parse('scripts/run.py', script);
    expect(p.chunks.map((c) => `${c.kind} ${c.startLine}-${c.endLine}`)).toEqual(['file 1-213', 'block 1-100', 'block 101-151', 'function 152-153', 'block 154-213']);
    expect(p.chunks[0]!.childIds).toEqual(p.chunks.slice(1).map((c) => c.id));
    assertTree(p.chunks);
  });

  it('survives syntax errors and empty files', async () => {
    const broken = await parse('src/broken.ts', 'export class A {\n  m() { return ; \n');
    expect(broken.hasSyntaxErrors).toBe(true);
    expect(broken.chunks[0]!.kind).toBe('file');
    const empty = await parse('src/empty.py', '');
    expect(empty.chunks).toHaveLength(1);
    expect(empty.chunks[0]).toMatchObject({ startLine: 1, endLine: 1 });
  });
});

interface LanguageCase {
  path: string;
  content: string;
  expected: string[];
  visibility?: Record<string, string>;
  summary?: Record<string, string>;
  heritage?: [string, 'extends' | 'implements', string][];
  /** [from qualified name, callee name]: resolved inside the file. */
  calls?: [string, string][];
}

const CASES: Record<string, LanguageCase> = {
  tsx: {
    path: 'ui/Button.tsx',
    content: `export function Button(props: Props) {\n  const onClick = () => props.go();\n  return <button onClick={onClick}>ok</button>;\n}\nexport class Panel extends React.Component { render() { return <div><Button /></div>; } }\n`,
    expected: ['function Button', 'function Button.onClick', 'class Panel', 'method Panel.render'],
    heritage: [['Panel', 'extends', 'React.Component']],
    calls: [['Panel.render', 'Button']],
  },
  javascript: {
    path: 'lib/app.js',
    content: `const util = require('./util');\n// Runs the app.\nclass App extends Base {\n  start() { util.run(); }\n}\nmodule.exports = function main() {};\nconst handler = function () {};\n`,
    expected: ['class App', 'method App.start', 'function handler'],
    summary: { App: 'Runs the app.' },
    heritage: [['App', 'extends', 'Base']],
  },
  python: {
    path: 'pkg/zoo.py',
    content: `from .base import Animal\n\nclass Dog(Animal):\n    """A good dog.\n\n    More text."""\n\n    def __init__(self):\n        self.name = 'rex'\n\n    @property\n    def _mood(self):\n        def helper():\n            pass\n        return helper()\n\n    def __secret(self):\n        pass\n\ndef walk(dog):\n    dog.bark()\n`,
    expected: ['class Dog', 'method Dog.__init__', 'method Dog._mood', 'function Dog._mood.helper', 'method Dog.__secret', 'function walk'],
    visibility: { _mood: 'internal', __secret: 'private', walk: 'public', __init__: 'public' },
    summary: { Dog: 'A good dog.' },
    heritage: [['Dog', 'extends', 'Animal']],
  },
  go: {
    path: 'server/server.go',
    content: `package server\n\n// Server serves requests.\ntype Server struct {\n\tBase\n\taddr string\n}\n\ntype Handler interface {\n\tServe() error\n}\n\nfunc (s *Server) Serve() error { return s.listen() }\n\nfunc (s *Server) listen() error { return nil }\n\nfunc New() *Server { return &Server{} }\n`,
    expected: ['struct Server', 'interface Handler', 'method Server.Serve', 'method Server.listen', 'function New'],
    visibility: { Serve: 'public', listen: 'internal' },
    summary: { Server: 'Server serves requests.' },
    heritage: [['Server', 'extends', 'Base']],
    calls: [['Server.Serve', 'listen']],
  },
  java: {
    path: 'src/main/java/com/acme/Dog.java',
    content: `package com.acme;\n\n/** A dog. */\npublic class Dog extends Animal implements Pet {\n  private final String name;\n  public Dog(String name) { this.name = name; }\n  protected void bark() { wag(); }\n  void wag() {}\n  static class Tail { void move() {} }\n}\n\ninterface Pet { void pet(); }\n`,
    expected: ['class Dog', 'method Dog.Dog', 'method Dog.bark', 'method Dog.wag', 'class Dog.Tail', 'method Dog.Tail.move', 'interface Pet'],
    visibility: { bark: 'protected', wag: 'internal', Dog: 'public' },
    summary: { Dog: 'A dog.' },
    heritage: [['Dog', 'extends', 'Animal'], ['Dog', 'implements', 'Pet']],
    calls: [['Dog.bark', 'wag']],
  },
  rust: {
    path: 'src/geo.rs',
    content: `/// A point in space.\npub struct Point { x: f64 }\n\npub trait Shape { fn area(&self) -> f64; }\n\nimpl Shape for Point {\n    fn area(&self) -> f64 { self.norm() }\n}\n\nimpl Point {\n    pub fn norm(&self) -> f64 { self.x }\n}\n\nmod inner { pub(crate) fn helper() {} }\n`,
    expected: ['struct Point', 'trait Shape', 'type impl Shape for Point', 'method Point.area', 'type impl Point', 'method Point.norm', 'namespace inner', 'function inner.helper'],
    visibility: { Point: 'public', helper: 'internal', norm: 'public' },
    summary: { Point: 'A point in space.' },
    calls: [['Point.area', 'norm']],
  },
  c: {
    path: 'src/math.c',
    content: `#include "math.h"\n\n/* Adds two numbers. */\nint add(int a, int b) { return a + b; }\n\nstatic int twice(int a) { return add(a, a); }\n\nstruct vec { int x; };\n\ntypedef struct { int y; } point_t;\n`,
    expected: ['function add', 'function twice', 'struct vec', 'struct point_t'],
    visibility: { add: 'public', twice: 'private' },
    summary: { add: 'Adds two numbers.' },
    calls: [['twice', 'add']],
  },
  cpp: {
    path: 'src/shape.cpp',
    content: `namespace geo {\nclass Shape : public Base {\n public:\n  virtual double area() const { return 0; }\n private:\n  void secret() {}\n};\n}\n\ndouble geo::Shape::perimeter() { return area(); }\n\ntemplate <typename T> T maxOf(T a, T b) { return a > b ? a : b; }\n`,
    expected: ['namespace geo', 'class geo.Shape', 'method geo.Shape.area', 'method geo.Shape.secret', 'method Shape.perimeter', 'function maxOf'],
    visibility: { area: 'public', secret: 'private' },
    heritage: [['Shape', 'extends', 'Base']],
    calls: [['Shape.perimeter', 'area']],
  },
  csharp: {
    path: 'src/Zoo/Dog.cs',
    content: `using System;\nnamespace Zoo {\n  /// <summary>A dog.</summary>\n  public class Dog : Animal, IPet {\n    public Dog() {}\n    private void Bark() { Wag(); }\n    internal void Wag() {}\n  }\n  public interface IPet { void Pet(); }\n}\n`,
    expected: ['namespace Zoo', 'class Zoo.Dog', 'method Zoo.Dog.Dog', 'method Zoo.Dog.Bark', 'method Zoo.Dog.Wag', 'interface Zoo.IPet'],
    visibility: { Bark: 'private', Wag: 'internal', Dog: 'public' },
    summary: { Dog: 'A dog.' },
    heritage: [['Dog', 'extends', 'Animal'], ['Dog', 'implements', 'IPet']],
    calls: [['Zoo.Dog.Bark', 'Wag']],
  },
  ruby: {
    path: 'lib/zoo.rb',
    content: `module Zoo\n  # A dog.\n  class Dog < Animal\n    def bark\n      secret\n    end\n\n    private\n\n    def secret; end\n\n    def self.create; end\n  end\nend\n`,
    expected: ['namespace Zoo', 'class Zoo.Dog', 'method Zoo.Dog.bark', 'method Zoo.Dog.secret', 'method Zoo.Dog.create'],
    visibility: { bark: 'public', secret: 'private' },
    summary: { Dog: 'A dog.' },
    heritage: [['Dog', 'extends', 'Animal']],
    calls: [['Zoo.Dog.bark', 'secret']],
  },
  php: {
    path: 'src/Dog.php',
    content: `<?php\nnamespace App;\n\n/** A dog. */\nclass Dog extends Animal implements Pet {\n    public function bark() { $this->wag(); }\n    private function wag() {}\n}\n\nfunction helper() {}\n`,
    expected: ['class Dog', 'method Dog.bark', 'method Dog.wag', 'function helper'],
    visibility: { bark: 'public', wag: 'private' },
    summary: { Dog: 'A dog.' },
    heritage: [['Dog', 'extends', 'Animal'], ['Dog', 'implements', 'Pet']],
    calls: [['Dog.bark', 'wag']],
  },
};

describe.each(Object.entries(CASES))('parseFile %s', (language, c) => {
  it('finds the definitions, nested, with kinds, visibility and docs', async () => {
    const p = await parse(c.path, c.content);
    expect(p.file.language).toBe(language);
    expect(p.hasSyntaxErrors).toBe(false);
    expect(outline(p).slice(1)).toEqual(c.expected);
    for (const [name, vis] of Object.entries(c.visibility ?? {})) expect(byName(p, name).visibility, name).toBe(vis);
    for (const [name, summary] of Object.entries(c.summary ?? {})) expect(byName(p, name).summary, name).toBe(summary);
    for (const [from, kind, to] of c.heritage ?? []) {
      const fromSym = p.symbols.find((s) => s.name === from)!;
      expect(p.relations.some((r) => r.kind === kind && r.fromId === fromSym.id && r.toName === to), `${from} ${kind} ${to}`).toBe(true);
    }
    for (const [from, to] of c.calls ?? []) {
      const fromSym = p.symbols.find((s) => s.fqn.endsWith(`:${from}`))!;
      const target = p.symbols.find((s) => s.name === to)!;
      expect(p.relations.find((r) => r.kind === 'calls' && r.fromId === fromSym.id && (r.toName === to || r.toName.endsWith(`.${to}`))), `${from} calls ${to}`).toMatchObject({ resolved: true, toId: target.id });
    }
    assertTree(p.chunks);
  });
});

function assertTree(chunks: Chunk[]): void {
  validateChunks(chunks);
  const byId = new Map(chunks.map((c) => [c.id, c]));
  for (const c of chunks.slice(1)) {
    const parent = byId.get(c.parentId!);
    expect(parent, `parent of ${c.fqn}`).toBeDefined();
    expect(parent!.childIds).toContain(c.id);
    expect(c.startLine).toBeGreaterThanOrEqual(parent!.startLine);
    expect(c.endLine).toBeLessThanOrEqual(parent!.endLine);
  }
}
