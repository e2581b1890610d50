/** One stored identifier, as in the `fuzzy_identifiers` table. */
export interface IdentifierRow {
  identifier: string;
  normalized: string;
  words: string;
  kind: string;
  fqn: string;
  chunk_id: string | null;
  symbol_id: string | null;
  file_path: string;
  line: number;
  end_line: number;
}

/** A matching row with its tier (3 exact, 2 same normalised form, 1 prefix, 0 similar) and trigram similarity. */
export interface RankedIdentifierRow extends IdentifierRow {
  tier: number;
  sim: number;
}

const WORD_CHAR = /[\p{L}\p{N}]/u;

/**
 * pg_trgm's trigrams of a string: lower-cased words (runs of letters and digits), each padded
 * with two spaces in front and one behind, cut into every run of three characters; as a set.
 */
export function trigrams(text: string): Set<string> {
  const out = new Set<string>();
  const chars = [...text.toLowerCase()];
  let word: string[] = [];
  const flush = () => {
    if (word.length === 0) return;
    const padded = [' ', ' ', ...word, ' '];
    for (let i = 0; i + 3 <= padded.length; i++) out.add(padded[i]! + padded[i + 1]! + padded[i + 2]!);
    word = [];
  };
  for (const c of chars) {
    if (WORD_CHAR.test(c)) word.push(c);
    else flush();
  }
  flush();
  return out;
}

/** pg_trgm's `similarity`: shared trigrams over all trigrams, computed in single precision as PostgreSQL does. */
function similarity(shared: number, a: number, b: number): number {
  const all = a + b - shared;
  return all === 0 ? 0 : Math.fround(Math.fround(shared) / Math.fround(all));
}

/**
 * A single-precision value as PostgreSQL prints a `real`: the shortest decimal that reads back
 * as the same float (0.3529412, not 0.3529411852359772), so both search paths return equal numbers.
 */
function float4Value(x: number): number {
  for (let digits = 1; digits < 9; digits++) {
    const shortest = Number(x.toPrecision(digits));
    if (Math.fround(shortest) === x) return shortest;
  }
  return Number(x.toPrecision(9));
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The identifiers of one snapshot in memory, with a trigram inverted index over their normalised
 * forms: the same candidates, tiers, similarities and order as the SQL search of
 * `PostgresFuzzyIndex`, without pg_trgm's GIN scan (which unions the posting lists of every
 * trigram of the query: 50-170 ms at 100k identifiers, against about a millisecond here).
 */
export class FuzzyIdentifierTable {
  readonly #rows: readonly IdentifierRow[];
  /** Distinct normalised forms, sorted (binary search for prefixes). */
  readonly #forms: string[];
  /** Rows of each form. */
  readonly #rowsOf: number[][];
  /** Trigram count of each form. */
  readonly #trigramCount: Uint16Array;
  readonly #postings = new Map<string, Int32Array>();
  readonly #counts: Uint16Array;
  /** Similarity of each form to the current query (reset after each search). */
  readonly #sims: Float64Array;

  constructor(rows: readonly IdentifierRow[]) {
    this.#rows = rows;
    const byForm = new Map<string, number[]>();
    rows.forEach((r, i) => {
      const list = byForm.get(r.normalized);
      if (list) list.push(i);
      else byForm.set(r.normalized, [i]);
    });
    this.#forms = [...byForm.keys()].sort(compareText);
    this.#rowsOf = this.#forms.map((f) => byForm.get(f)!);
    this.#trigramCount = new Uint16Array(this.#forms.length);
    this.#counts = new Uint16Array(this.#forms.length);
    this.#sims = new Float64Array(this.#forms.length);
    const postings = new Map<string, number[]>();
    this.#forms.forEach((form, id) => {
      const grams = trigrams(form);
      this.#trigramCount[id] = Math.min(grams.size, 65535);
      for (const g of grams) {
        const list = postings.get(g);
        if (list) list.push(id);
        else postings.set(g, [id]);
      }
    });
    for (const [g, list] of postings) this.#postings.set(g, Int32Array.from(list));
  }

  get size(): number {
    return this.#rows.length;
  }

  /**
   * Rows whose normalised form is at least `threshold` similar to `normalized`, plus the first
   * `limit` rows (shortest forms first) that start with it; ranked by tier, similarity, form
   * length, identifier, file and line, cut to `limit`.
   */
  search(raw: string, normalized: string, threshold: number, limit: number): RankedIdentifierRow[] {
    const query = trigrams(normalized);
    const touched: number[] = [];
    const counts = this.#counts;
    for (const g of query) {
      const list = this.#postings.get(g);
      if (!list) continue;
      for (let i = 0; i < list.length; i++) {
        const id = list[i]!;
        const seen = counts[id]!;
        counts[id] = seen + 1;
        if (seen === 0) touched.push(id);
      }
    }
    const sims = this.#sims;
    const picked: number[] = [];
    for (const id of touched) {
      const sim = similarity(counts[id]!, query.size, this.#trigramCount[id]!);
      sims[id] = sim;
      counts[id] = 0;
      if (sim >= threshold) picked.push(id);
    }

    // The prefix branch: the first `limit` rows by form length, then form.
    const prefixForms: number[] = [];
    for (let id = this.#lowerBound(normalized); id < this.#forms.length && this.#forms[id]!.startsWith(normalized); id++) prefixForms.push(id);
    prefixForms.sort((a, b) => this.#forms[a]!.length - this.#forms[b]!.length || compareText(this.#forms[a]!, this.#forms[b]!));
    const prefixRows: [number, number][] = [];
    let taken = 0;
    for (const id of prefixForms) {
      if (taken >= limit) break;
      const members = [...this.#rowsOf[id]!].sort((a, b) => this.#compareRows(a, b)).slice(0, limit - taken);
      taken += members.length;
      for (const i of members) prefixRows.push([id, i]);
    }

    // Only the best forms can place a row in the first `limit`: rank forms by what orders their
    // rows (tier, similarity, length; rows of one form differ only by tier 3 vs 2 and the final
    // tie-breakers), keep forms until they hold `limit` rows plus every form tied with the last,
    // and build rows for those alone. A common trigram can match thousands of forms.
    const formTier = (id: number) => {
      const form = this.#forms[id]!;
      return form === normalized ? 2 : form.startsWith(normalized) ? 1 : 0;
    };
    const key = (a: number, b: number) => formTier(b) - formTier(a) || sims[b]! - sims[a]! || this.#forms[a]!.length - this.#forms[b]!.length;
    picked.sort(key);
    let kept = 0;
    let rowsKept = 0;
    while (kept < picked.length && (rowsKept < limit || key(picked[kept - 1]!, picked[kept]!) === 0)) rowsKept += this.#rowsOf[picked[kept++]!]!.length;

    const rows: RankedIdentifierRow[] = [];
    const add = (id: number, rowIndex: number) => {
      const r = this.#rows[rowIndex]!;
      const tier = r.identifier === raw ? 3 : r.normalized === normalized ? 2 : r.normalized.startsWith(normalized) ? 1 : 0;
      rows.push({ ...r, tier, sim: float4Value(sims[id]!) });
    };
    const isPicked = new Set(picked);
    for (let k = 0; k < kept; k++) for (const i of this.#rowsOf[picked[k]!]!) add(picked[k]!, i);
    for (const [id, i] of prefixRows) if (!isPicked.has(id)) add(id, i);
    for (const id of touched) sims[id] = 0;

    return rows
      .sort((a, b) => b.tier - a.tier || b.sim - a.sim || a.normalized.length - b.normalized.length || compareText(a.identifier, b.identifier) || compareText(a.file_path, b.file_path) || a.line - b.line)
      .slice(0, limit);
  }

  #compareRows(a: number, b: number): number {
    const x = this.#rows[a]!;
    const y = this.#rows[b]!;
    return compareText(x.identifier, y.identifier) || compareText(x.file_path, y.file_path) || x.line - y.line;
  }

  #lowerBound(text: string): number {
    let lo = 0;
    let hi = this.#forms.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#forms[mid]! < text) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
