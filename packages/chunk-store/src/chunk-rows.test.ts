import { describe, expect, it } from 'vitest';
import { normalizeChunk } from '@trawl/core';
import { cloneAttributes, cloneChunk } from './chunk-rows.js';

describe('cloneChunk', () => {
  it('copies attributes deeply: nothing the copy holds is shared with the original', () => {
    const attributes = { symbolKind: 'class', bases: ['A', 'B'], languages: { ts: 3, nested: [{ x: 1 }] }, none: null, flag: true };
    const chunk = normalizeChunk({ id: 'c', repoId: 'r', snapshotId: 's', filePath: 'a.ts', kind: 'class', name: 'C', fqn: 'a.ts:C', startLine: 1, endLine: 3, contentHash: 'h', childIds: ['d'], attributes });
    const copy = cloneChunk(chunk);
    expect(copy).toEqual(chunk);
    expect(copy.attributes).not.toBe(attributes);
    expect(copy.attributes.bases).not.toBe(attributes.bases);
    expect(copy.attributes.languages).not.toBe(attributes.languages);
    expect((copy.attributes.languages as typeof attributes.languages).nested[0]).not.toBe(attributes.languages.nested[0]);
    expect(copy.childIds).not.toBe(chunk.childIds);
    (copy.attributes.bases as string[]).push('Z');
    (copy.attributes.languages as typeof attributes.languages).nested[0]!.x = 2;
    expect(attributes.bases).toEqual(['A', 'B']);
    expect(attributes.languages.nested[0]!.x).toBe(1);
  });

  it('copies what is not plain JSON as structuredClone does (dates, maps, cycles)', () => {
    const when = new Date('2026-01-02T03:04:05Z');
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const attributes = { when, map: new Map([['k', 1]]), cyclic, empty: Object.create(null) as Record<string, unknown> };
    const copy = cloneAttributes(attributes);
    expect(copy.when).toBeInstanceOf(Date);
    expect(copy.when).not.toBe(when);
    expect((copy.when as Date).getTime()).toBe(when.getTime());
    expect(copy.map).toEqual(new Map([['k', 1]]));
    expect(copy.map).not.toBe(attributes.map);
    const loop = copy.cyclic as Record<string, unknown>;
    expect(loop).not.toBe(cyclic);
    expect(loop.name).toBe('loop');
    expect(copy.empty).toEqual({});
  });
});
