import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore, POSTGRES_FLAVOURS, seededRandom, type PostgresFlavour } from '@trawl/testing';
import type { PostgresStore } from './postgres-store.js';
import { FileVersionMembership, type FileVersion } from './file-versions.js';

// Membership as generation spans: after any sequence of full loads, derived snapshots (from the
// newest one or an older one), re-runs and drops (newest or older), every remaining snapshot has
// exactly the files it was given, and the rows of versions no snapshot has are gone.

const TABLES = { rows: 'fvm_rows', gens: 'fvm_gens', spans: 'fvm_spans' };

describe.each(POSTGRES_FLAVOURS)('FileVersionMembership on %s', (flavour: PostgresFlavour) => {
  let store: PostgresStore;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await createTestStore(flavour));
    await store.execute(`CREATE TABLE fvm_rows (repo_id text, file_path text, content_hash text, PRIMARY KEY (repo_id, file_path, content_hash))`);
    await store.execute(`CREATE TABLE fvm_gens (repo_id text, snapshot_id text, gen integer NOT NULL, PRIMARY KEY (repo_id, snapshot_id), UNIQUE (repo_id, gen))`);
    await store.execute(
      `CREATE TABLE fvm_spans (repo_id text, file_path text, content_hash text, from_gen integer NOT NULL, to_gen integer NOT NULL DEFAULT 2147483647,
       PRIMARY KEY (repo_id, file_path, content_hash, from_gen))`,
    );
  });
  afterAll(async () => dispose());

  const members = new FileVersionMembership(TABLES, 3); // small batches: several statements per write

  /** A snapshot's membership as the views read it: the spans covering its generation. */
  const membership = async (repo: string, snapshot: string) =>
    Object.fromEntries(
      (
        await store.fetch<FileVersion>(
          `SELECT m.file_path, m.content_hash FROM fvm_gens g JOIN fvm_spans m ON m.repo_id = g.repo_id AND m.from_gen <= g.gen AND m.to_gen > g.gen
           WHERE g.repo_id = $1 AND g.snapshot_id = $2 ORDER BY m.file_path`,
          [repo, snapshot],
        )
      ).map((v) => [v.file_path, v.content_hash]),
    );
  const versionsOf = (files: Record<string, string>): FileVersion[] => Object.entries(files).map(([file_path, content_hash]) => ({ file_path, content_hash }));
  /** Writes the rows of new versions, as the indexes do before the membership. */
  const writeRows = (repo: string, files: Record<string, string>) =>
    store.execute(`INSERT INTO fvm_rows SELECT $1, * FROM unnest($2::text[], $3::text[]) ON CONFLICT DO NOTHING`, [repo, Object.keys(files), Object.values(files)]);

  it('keeps every snapshot exact through a random history of loads, derivations, re-runs and drops', async () => {
    const random = seededRandom(7);
    const repo = 'r';
    // The model: snapshot -> path -> hash, in the order the snapshots were (last) written, so the
    // last one holds the newest generation.
    const live = new Map<string, Record<string, string>>();
    let counter = 0;
    const check = async (step: string) => {
      for (const [id, files] of live) expect(await membership(repo, id), `${step}: ${id}`).toEqual(Object.fromEntries(Object.entries(files).sort()));
      // Rows are kept for exactly the versions some live snapshot has.
      const wanted = new Set([...live.values()].flatMap((f) => Object.entries(f).map(([p, h]) => `${p}@${h}`)));
      const stored = await store.fetch<FileVersion>(`SELECT file_path, content_hash FROM fvm_rows WHERE repo_id = $1`, [repo]);
      expect(new Set(stored.map((v) => `${v.file_path}@${v.content_hash}`)), `${step}: rows`).toEqual(wanted);
    };
    const edit = (files: Record<string, string>) => {
      const next = { ...files };
      const replaced: string[] = [];
      for (let k = 0, n = 1 + random(3); k < n; k++) {
        const path = `f${random(8)}.ts`;
        replaced.push(path);
        if (random(4) === 0) delete next[path];
        else next[path] = `h${random(5)}`;
      }
      return { next, replaced: [...new Set(replaced)] };
    };

    for (let step = 0; step < 300; step++) {
      const op = live.size === 0 ? 0 : random(10);
      const ids = [...live.keys()];
      const newest = ids[ids.length - 1];
      const label = `step ${step} op ${op}`;
      if (op === 0) {
        // A full load under a new id.
        const id = `s${++counter}`;
        const files: Record<string, string> = {};
        for (let k = 0; k < 6; k++) files[`f${random(8)}.ts`] = `h${random(5)}`;
        await writeRows(repo, files);
        await store.transaction((tx) => members.replace(tx, repo, id, versionsOf(files)));
        live.set(id, files);
      } else if (op <= 6) {
        // Derived: mostly from the newest snapshot (the fast path), sometimes from an older one.
        const base = op === 6 ? ids[random(ids.length)]! : newest!;
        const { next, replaced } = edit(live.get(base)!);
        const changed = Object.fromEntries(Object.entries(next).filter(([p]) => replaced.includes(p)));
        // Sometimes a re-run of the newest snapshot's id with other content.
        const id = random(6) === 0 ? newest! : `s${++counter}`;
        if (id === base) continue;
        await writeRows(repo, changed);
        const carried = await store.transaction((tx) => members.derive(tx, repo, base, id, replaced, versionsOf(changed)));
        expect(carried, label).toBe(Object.keys(live.get(base)!).filter((p) => !replaced.includes(p)).length);
        live.delete(id);
        live.set(id, next);
      } else {
        // A drop: the newest (undo), the one before it (pruning), or any.
        const id = op === 7 ? newest! : op === 8 && ids.length > 1 ? ids[ids.length - 2]! : ids[random(ids.length)]!;
        await store.transaction((tx) => members.deleteRepo(tx, repo, id));
        live.delete(id);
      }
      await check(label);
    }
    // At most one open span per path: the open spans are the newest generation's membership.
    const open = await store.fetch<{ file_path: string; n: number }>(`SELECT file_path, count(*)::int AS n FROM fvm_spans WHERE repo_id = $1 AND to_gen = 2147483647 GROUP BY file_path HAVING count(*) > 1`, [repo]);
    expect(open).toEqual([]);
    await store.transaction((tx) => members.deleteRepo(tx, repo));
    expect(await store.fetchValue<number>(`SELECT ((SELECT count(*) FROM fvm_rows) + (SELECT count(*) FROM fvm_spans) + (SELECT count(*) FROM fvm_gens))::int`)).toBe(0);
  });

  it('steps back to the generation before when the newest goes after the one in between did', async () => {
    const repo = 'back';
    const v = (files: Record<string, string>) => versionsOf(files);
    await writeRows(repo, { a: '1', b: '1', c: '1' });
    await store.transaction((tx) => members.replace(tx, repo, 's1', v({ a: '1', b: '1', c: '1' })));
    await writeRows(repo, { a: '2', d: '2' });
    await store.transaction((tx) => members.derive(tx, repo, 's1', 's2', ['a', 'd'], v({ a: '2', d: '2' })));
    await writeRows(repo, { b: '3' });
    await store.transaction((tx) => members.derive(tx, repo, 's2', 's3', ['b'], v({ b: '3' })));
    await store.transaction((tx) => members.deleteRepo(tx, repo, 's2')); // pruned
    await store.transaction((tx) => members.deleteRepo(tx, repo, 's3')); // failed: s1 is the newest again
    expect(await membership(repo, 's1')).toEqual({ a: '1', b: '1', c: '1' });
    // The next run builds on s1 and sees exactly its files.
    await writeRows(repo, { c: '4' });
    const carried = await store.transaction((tx) => members.derive(tx, repo, 's1', 's4', ['c'], v({ c: '4' })));
    expect(carried).toBe(2);
    expect(await membership(repo, 's4')).toEqual({ a: '1', b: '1', c: '4' });
    expect(await membership(repo, 's1')).toEqual({ a: '1', b: '1', c: '1' });
    expect((await store.fetch<FileVersion>(`SELECT file_path, content_hash FROM fvm_rows WHERE repo_id = $1 ORDER BY 1, 2`, [repo])).map((r) => r.file_path + r.content_hash)).toEqual(['a1', 'b1', 'c1', 'c4']);
  });

  it('writes two spans for a one-file change on the newest snapshot, not one row per file', async () => {
    const repo = 'delta';
    const files = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`src/f${i}.ts`, `h${i}`]));
    await writeRows(repo, files);
    await store.transaction((tx) => members.replace(tx, repo, 'a', versionsOf(files)));
    const before = await store.fetchValue<number>(`SELECT count(*)::int FROM fvm_spans WHERE repo_id = $1`, [repo]);
    await writeRows(repo, { 'src/f7.ts': 'new' });
    const carried = await store.transaction((tx) => members.derive(tx, repo, 'a', 'b', ['src/f7.ts'], [{ file_path: 'src/f7.ts', content_hash: 'new' }]));
    expect(carried).toBe(499);
    expect(await store.fetchValue<number>(`SELECT count(*)::int FROM fvm_spans WHERE repo_id = $1`, [repo])).toBe(before! + 1);
    expect((await membership(repo, 'a'))['src/f7.ts']).toBe('h7');
    expect((await membership(repo, 'b'))['src/f7.ts']).toBe('new');
    // Pruning 'a' takes its closed span of the old version, and that version's rows.
    await store.transaction((tx) => members.deleteRepo(tx, repo, 'a'));
    expect(await store.fetchValue<number>(`SELECT count(*)::int FROM fvm_spans WHERE repo_id = $1`, [repo])).toBe(500);
    expect(await store.fetchValue<number>(`SELECT count(*)::int FROM fvm_rows WHERE repo_id = $1 AND file_path = 'src/f7.ts'`, [repo])).toBe(1);
    expect(Object.keys(await membership(repo, 'b'))).toHaveLength(500);
  });
});
