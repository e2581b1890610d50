import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AbortedError, ConfigError, TrawlError } from '@trawl/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFile, type ParseFileInput } from './file-parser.js';
import { ParseWorkerPool, resolveWorkerEntry } from './parse-worker-pool.js';
import { decodeRelations, encodeRelations } from './parse-worker-protocol.js';
import { parseRepository, type ParsedRepository } from './repository-parser.js';
import { writeTempRepo } from './test-support/temp-repo.js';

// Several languages, calls and inheritance across files, a long file (gap blocks), a syntax
// error, text files: everything whose output must not depend on which thread parsed it.
const FILES: Record<string, string> = {
  'README.md': `# Zoo\n\n${'Some prose.\n'.repeat(250)}## Usage\n\nMore.\n`,
  'web/src/animal.ts': `/** An animal. */\nexport abstract class Animal {\n  abstract speak(): string;\n  greet(): string { return this.speak(); }\n}\n`,
  'web/src/dog.ts': `import { Animal } from './animal';\nimport * as fmt from './format';\nexport class Dog extends Animal {\n  speak() { return fmt.shout('woof'); }\n}\n`,
  'web/src/format.ts': `export function shout(s: string) { return s.toUpperCase(); }\n${'export const table = [1, 2, 3];\n'.repeat(300)}`,
  'web/src/broken.ts': `export class Broken {\n  run( { return 1 \n}\nfunction after() { return new Broken(); }\n`,
  'web/src/view.tsx': `import { Dog } from './dog';\nexport function View() { return <Dog name="x" />; }\n`,
  'py/zoo/base.py': `class Animal:\n    """Base."""\n    def speak(self):\n        raise NotImplementedError\n`,
  'py/zoo/dog.py': `from .base import Animal\n\nclass Dog(Animal):\n    def speak(self):\n        return "woof"\n`,
  'go/server/server.go': `package server\n\ntype Server struct{}\n\nfunc (s *Server) Run() { start() }\n\nfunc start() {}\n`,
  'java/com/acme/Dog.java': `package com.acme;\npublic class Dog extends Animal {\n  public String speak() { return "woof"; }\n}\n`,
  'rust/lib.rs': `pub struct S;\nimpl S {\n    pub fn new() -> S { S }\n}\n`,
  'c/util.c': `#include "util.h"\nint helper(int x) { return x; }\n`,
  'c/util.h': `int helper(int x);\n`,
  'ruby/dog.rb': `class Dog\n  def speak\n    bark\n  end\n  def bark; end\nend\n`,
  'php/Dog.php': `<?php\nclass Dog { public function speak() { return $this->bark(); } private function bark() {} }\n`,
  'cs/Dog.cs': `namespace Zoo { public class Dog { public void Speak() { Bark(); } void Bark() {} } }\n`,
  'cpp/dog.cpp': `namespace zoo {\nclass Dog { public: void speak(); };\nvoid Dog::speak() {}\n}\n`,
  'data/config.json': '{"a": 1}\n',
};

/** Everything but timings and the thread count, for comparing runs. */
function comparable(r: ParsedRepository) {
  const { walkMs, readMs, parseMs, linkMs, threads, ...stats } = r.stats;
  return { ...r, imports: [...r.imports], stats };
}

describe('ParseWorkerPool', () => {
  let repo: { root: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    repo = await writeTempRepo(FILES);
  });
  afterAll(() => repo.cleanup());

  it('finds its worker entry when running from source', () => {
    const entry = ParseWorkerPool.entry();
    expect(entry).toMatchObject({ ok: true });
    if (entry.ok) expect(entry.url.pathname).toMatch(/parse-worker\.ts$/);
  });

  it('gives the same repository output as parsing on the calling thread', async () => {
    const opts = { repoId: 'zoo', snapshotId: 'c1' };
    const single = await parseRepository(repo.root, { ...opts, threads: 0 });
    const events: string[] = [];
    const pooled = await parseRepository(repo.root, { ...opts, threads: 2, onProgress: (e) => events.push(e.phase) });
    expect(single.stats.threads).toBe(0);
    expect(pooled.stats.threads).toBe(2);
    expect(pooled.stats.filesWithSyntaxErrors).toBe(1);
    expect(comparable(pooled)).toEqual(comparable(single));
    // Same ids in the same order, and identical JSON (key order included).
    expect(JSON.stringify(comparable(pooled))).toBe(JSON.stringify(comparable(single)));
    expect(events.filter((p) => p === 'parse')).toHaveLength(single.files.length);
    expect(pooled.files.every((f, i) => f.content === single.files[i]!.content)).toBe(true);
  });

  it('returns files in input order, skipping null inputs, identical to parseFile', async () => {
    const inputs: (ParseFileInput | null)[] = Object.entries(FILES).map(([path, content]) => ({ repoId: 'zoo', snapshotId: 's', path, content }));
    inputs.splice(3, 0, null);
    await using pool = new ParseWorkerPool({ size: 2 });
    pool.warm(['typescript', 'python', 'markdown', null]); // grammars load ahead; text languages are ignored
    const seen: number[] = [];
    const out = await pool.parseAll(inputs, { onParsed: (i) => seen.push(i) });
    expect(out).toHaveLength(inputs.length);
    expect(out[3]).toBeNull();
    expect(seen.sort((a, b) => a - b)).toEqual(inputs.flatMap((x, i) => (x ? [i] : [])));
    for (let i = 0; i < inputs.length; i++) {
      if (!inputs[i]) continue;
      expect(out[i]).toEqual(await parseFile(inputs[i]!));
    }
    // A second call reuses the running workers.
    const again = await pool.parseAll(inputs.slice(0, 2));
    expect(again[0]).toEqual(out[0]);
  });

  it('stops its workers and throws AbortedError when the signal fires', async () => {
    const inputs = Array.from({ length: 200 }, (_, i): ParseFileInput => ({ repoId: 'r', snapshotId: 's', path: `f${i}.ts`, content: `export function f${i}() { return ${i}; }\n`.repeat(200) }));
    const pool = new ParseWorkerPool({ size: 2 });
    const controller = new AbortController();
    let parsed = 0;
    const run = pool.parseAll(inputs, { signal: controller.signal, onParsed: () => ++parsed === 3 && controller.abort() });
    await expect(run).rejects.toBeInstanceOf(AbortedError);
    expect(parsed).toBeLessThan(inputs.length);
    await expect(pool.parseAll(inputs.slice(0, 1))).rejects.toThrow(/closed/);
    await pool.close(); // idempotent
  });

  it('throws AbortedError before starting when the signal has already fired', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      parseRepository(repo.root, { repoId: 'zoo', snapshotId: 'c1', threads: 2, signal: controller.signal }),
    ).rejects.toBeInstanceOf(AbortedError);
  });

  it('turns an error inside a worker into a TrawlError naming the file', async () => {
    await using pool = new ParseWorkerPool({ size: 1 });
    const bad = { repoId: 'r', snapshotId: 's', path: 'bad.ts', content: 42 } as unknown as ParseFileInput;
    const error = await pool.parseAll([{ repoId: 'r', snapshotId: 's', path: 'ok.ts', content: 'let a = 1;\n' }, bad]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrawlError);
    expect(error).toMatchObject({ code: 'INTERNAL', context: { path: 'bad.ts' } });
    expect((error as Error).message).toMatch(/parsing bad\.ts failed in a worker: TypeError/);
  });

  it('sends relations flat and gets the same objects back, key order included', () => {
    const relations = [
      { kind: 'calls' as const, fromId: 'a', toId: null, toName: 'f', resolved: false, filePath: 'x.ts', line: 3 },
      { kind: 'defines' as const, fromId: 'file:x.ts', toId: 'b', toName: 'g', resolved: true, filePath: 'elsewhere.ts', line: 1 },
    ];
    const back = decodeRelations(encodeRelations(relations, 'x.ts'), 'x.ts');
    expect(JSON.stringify(back)).toBe(JSON.stringify(relations));
    expect(decodeRelations(encodeRelations([], 'x.ts'), 'x.ts')).toEqual([]);
  });

  it('rejects a pool size that is not a positive integer', () => {
    expect(() => new ParseWorkerPool({ size: 0 })).toThrow(ConfigError);
    return expect(parseRepository(repo.root, { repoId: 'zoo', threads: -1 })).rejects.toBeInstanceOf(ConfigError);
  });

  it('says why workers cannot start when there is no worker file beside the module', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trawl-entry-'));
    try {
      expect(resolveWorkerEntry(pathToFileURL(join(dir, 'index.js')).href)).toMatchObject({ ok: false, reason: expect.stringMatching(/parse-worker\.js does not exist/) });
      await writeFile(join(dir, 'parse-worker.cjs'), '');
      const cjs = resolveWorkerEntry(pathToFileURL(join(dir, 'index.cjs')).href);
      expect(cjs).toMatchObject({ ok: true });
      if (cjs.ok) expect(cjs.bootstrap).toBeUndefined();
      expect(resolveWorkerEntry('data:text/javascript,1')).toMatchObject({ ok: false });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
