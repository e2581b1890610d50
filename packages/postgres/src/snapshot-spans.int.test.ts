import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, POSTGRES_FLAVOURS, seededRandom, type PostgresFlavour } from '@trawl/testing';
import type { PostgresStore } from './postgres-store.js';
import { SnapshotSpans } from './snapshot-spans.js';

// Rows as generation spans: whatever is written to whichever snapshot (the newest or an older
// one), derived, removed or dropped, every snapshot reads exactly what was written to it, and
// nothing written to one snapshot shows in another.

interface Row {
  file_path: string;
  hash: string;
  size: number;
}

describe.each(POSTGRES_FLAVOURS)('SnapshotSpans on %s', (flavour: PostgresFlavour) => {
  let store: PostgresStore;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await createTestStore(flavour));
    await store.execute(`CREATE TABLE ss_gens (repo_id text, snapshot_id text, gen integer NOT NULL, PRIMARY KEY (repo_id, snapshot_id), UNIQUE (repo_id, gen))`);
    await store.execute(
      `CREATE TABLE ss_spans (repo_id text, file_path text, hash text, size integer, from_gen integer NOT NULL, to_gen integer NOT NULL DEFAULT 2147483647,
       PRIMARY KEY (repo_id, file_path, from_gen))`,
    );
  });
  afterAll(async () => dispose());

  const spans = new SnapshotSpans<Row>({ gens: 'ss_gens', spans: 'ss_spans', columns: [{ name: 'hash', type: 'text' }, { name: 'size', type: 'int' }] }, 4);
  const tx = <T>(f: (tx: Parameters<Parameters<PostgresStore['transaction']>[0]>[0]) => Promise<T>) => store.transaction(f);
  const read = async (repo: string, snapshot: string) =>
    Object.fromEntries(
      (
        await store.fetch<Row>(
          `SELECT m.file_path, m.hash, m.size FROM ss_gens g JOIN ss_spans m ON m.repo_id = g.repo_id AND m.from_gen <= g.gen AND m.to_gen > g.gen
           WHERE g.repo_id = $1 AND g.snapshot_id = $2 ORDER BY m.file_path`,
          [repo, snapshot],
        )
      ).map((r) => [r.file_path, `${r.hash}/${r.size}`]),
    );

  it('keeps every snapshot exact through random writes to new and old snapshots', async () => {
    const random = seededRandom(11);
    const repo = 'r';
    const live = new Map<string, Record<string, string>>(); // snapshot -> path -> "hash/size"
    let counter = 0;
    const rowsOf = (files: Record<string, string>): Row[] =>
      Object.entries(files).map(([file_path, v]) => ({ file_path, hash: v.split('/')[0]!, size: Number(v.split('/')[1]) }));
    const someFiles = (n: number) => {
      const out: Record<string, string> = {};
      for (let k = 0; k < n; k++) out[`f${random(10)}`] = `h${random(6)}/${random(3)}`;
      return out;
    };
    for (let step = 0; step < 300; step++) {
      const ids = [...live.keys()];
      const any = () => ids[random(ids.length)]!;
      const op = ids.length === 0 ? 0 : random(12);
      const label = `step ${step} op ${op}`;
      if (op === 0) {
        // A new snapshot written from nothing (its first write numbers it).
        const id = `s${++counter}`;
        const files = someFiles(1 + random(6));
        await tx((t) => spans.put(t, repo, id, rowsOf(files)));
        live.set(id, files);
      } else if (op <= 3) {
        // Derived from the newest (mostly) or any snapshot, then its changed files written.
        const base = op === 3 ? any() : ids[ids.length - 1]!;
        const id = `s${++counter}`;
        const replaced = [...new Set(Array.from({ length: 1 + random(3) }, () => `f${random(10)}`))];
        const carried = await tx((t) => spans.derive(t, repo, base, id, replaced));
        const next = Object.fromEntries(Object.entries(live.get(base)!).filter(([p]) => !replaced.includes(p)));
        expect(carried, label).toBe(Object.keys(next).length);
        const written = someFiles(random(3));
        await tx((t) => spans.put(t, repo, id, rowsOf(written)));
        live.set(id, { ...next, ...written });
      } else if (op <= 6) {
        // Writes into any snapshot, old ones included.
        const id = any();
        const written = someFiles(1 + random(3));
        await tx((t) => spans.put(t, repo, id, rowsOf(written)));
        live.set(id, { ...live.get(id)!, ...written });
      } else if (op <= 8) {
        const id = any();
        const paths = [`f${random(10)}`, `f${random(10)}`];
        const had = new Set(paths.filter((p) => p in live.get(id)!)).size;
        expect(await tx((t) => spans.remove(t, repo, id, paths)), label).toBe(had);
        live.set(id, Object.fromEntries(Object.entries(live.get(id)!).filter(([p]) => !paths.includes(p))));
      } else if (op === 9) {
        const id = `s${++counter}`;
        const files = someFiles(1 + random(5));
        await tx((t) => spans.replace(t, repo, id, rowsOf(files)));
        live.set(id, files);
      } else {
        // Drops: the newest, or any.
        const id = op === 10 ? ids[ids.length - 1]! : any();
        await tx((t) => spans.drop(t, repo, id));
        live.delete(id);
      }
      for (const [id, files] of live) expect(await read(repo, id), `${label}: ${id}`).toEqual(Object.fromEntries(Object.entries(files).sort()));
    }
    // Spans of one path never overlap.
    const overlaps = await store.fetchValue<number>(
      `SELECT count(*)::int FROM ss_spans a JOIN ss_spans b ON a.repo_id = b.repo_id AND a.file_path = b.file_path AND a.from_gen < b.from_gen AND a.to_gen > b.from_gen`,
    );
    expect(overlaps).toBe(0);
    await tx((t) => spans.dropRepo(t, repo));
    expect(await store.fetchValue<number>(`SELECT ((SELECT count(*) FROM ss_spans) + (SELECT count(*) FROM ss_gens))::int`)).toBe(0);
  });

  it('splits a span shared with a newer snapshot when an older one is written', async () => {
    await tx((t) => spans.put(t, 'split', 'a', [{ file_path: 'x', hash: 'old', size: 1 }, { file_path: 'y', hash: 'y', size: 1 }]));
    expect(await tx((t) => spans.derive(t, 'split', 'a', 'b', []))).toBe(2);
    await tx((t) => spans.put(t, 'split', 'a', [{ file_path: 'x', hash: 'new', size: 2 }]));
    expect(await tx((t) => spans.remove(t, 'split', 'a', ['y']))).toBe(1);
    expect(await read('split', 'a')).toEqual({ x: 'new/2' });
    expect(await read('split', 'b')).toEqual({ x: 'old/1', y: 'y/1' });
  });

  it('carries a base over into a snapshot that has rows: what it has stays, what it lacks is added', async () => {
    const row = (file_path: string, hash: string) => ({ file_path, hash, size: 1 });
    await tx((t) => spans.put(t, 'carry', 'base', [row('a', 'a0'), row('b', 'b0'), row('c', 'c0'), row('d', 'd0')]));
    await tx((t) => spans.put(t, 'carry', 'next', [row('b', 'b1')]));
    expect(await tx((t) => spans.carryOver(t, 'carry', 'base', 'next', ['c']))).toBe(2);
    expect(await read('carry', 'next')).toEqual({ a: 'a0/1', b: 'b1/1', d: 'd0/1' });
    expect(await read('carry', 'base')).toEqual({ a: 'a0/1', b: 'b0/1', c: 'c0/1', d: 'd0/1' });
    // A snapshot without rows shares the newest one's instead.
    expect(await tx((t) => spans.carryOver(t, 'carry', 'next', 'third', ['a']))).toBe(2);
    expect(await read('carry', 'third')).toEqual({ b: 'b1/1', d: 'd0/1' });
  });

  it('refuses to derive a snapshot that already has rows', async () => {
    await tx((t) => spans.put(t, 'twice', 'a', [{ file_path: 'x', hash: 'h', size: 1 }]));
    await tx((t) => spans.put(t, 'twice', 'b', [{ file_path: 'y', hash: 'h', size: 1 }]));
    await expect(tx((t) => spans.derive(t, 'twice', 'a', 'b', []))).rejects.toThrow(/already has rows/);
    expect(await read('twice', 'b')).toEqual({ y: 'h/1' });
  });
});
