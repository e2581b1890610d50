import type { SymbolDefinition } from '@trawl/core';

/**
 * The symbol names of one snapshot held in memory for name search: exact lookups through a map,
 * substring lookups with `indexOf` over one string of every lower-cased name. A snapshot never
 * changes once indexed, so a table stays valid for as long as its snapshot exists.
 *
 * Kuzu indexes only primary keys, so `lname CONTAINS $q` scans every Symbol node of every
 * snapshot; at 100k symbols that is hundreds of milliseconds per term, against well under one
 * here.
 */
export class SymbolNameTable {
  readonly #symbols: readonly SymbolDefinition[];
  /** `\n` + each lower-cased name + `\n`, in `#symbols` order. */
  readonly #names: string;
  /** Offset in `#names` where each symbol's name starts. */
  readonly #starts: Int32Array;
  readonly #exact = new Map<string, number[]>();

  constructor(symbols: readonly SymbolDefinition[]) {
    this.#symbols = symbols;
    this.#starts = new Int32Array(symbols.length);
    const parts: string[] = [];
    let offset = 1;
    symbols.forEach((s, i) => {
      const lname = s.name.toLowerCase();
      this.#starts[i] = offset;
      offset += lname.length + 1;
      parts.push(lname);
      const list = this.#exact.get(lname);
      if (list) list.push(i);
      else this.#exact.set(lname, [i]);
    });
    this.#names = `\n${parts.join('\n')}\n`;
  }

  get size(): number {
    return this.#symbols.length;
  }

  /** Symbols whose name equals `lname`, ignoring case. */
  named(lname: string): SymbolDefinition[] {
    return (this.#exact.get(lname.toLowerCase()) ?? []).map((i) => this.#symbols[i]!);
  }

  /** Symbols whose name contains `lname`, ignoring case, in table order. */
  containing(lname: string): SymbolDefinition[] {
    const needle = lname.toLowerCase();
    if (!needle || needle.includes('\n')) return [];
    const out: SymbolDefinition[] = [];
    let from = 1;
    for (;;) {
      const at = this.#names.indexOf(needle, from);
      if (at < 0) break;
      const i = this.#symbolAt(at);
      out.push(this.#symbols[i]!);
      // Continue at the next name: one hit per symbol.
      from = i + 1 < this.#starts.length ? this.#starts[i + 1]! : this.#names.length;
    }
    return out;
  }

  /** The index of the symbol whose name covers offset `at` (binary search over the starts). */
  #symbolAt(at: number): number {
    let lo = 0;
    let hi = this.#starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.#starts[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
