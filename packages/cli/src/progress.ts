import type { ParseProgress } from '@trawl/core';
import type { IndexProgressEvent } from '@trawl/retrieval';
import type { CliIo } from './io.js';

const fmt = (n: number) => n.toLocaleString('en-US');
const seconds = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`);

/**
 * Renders indexing progress: a live single line on a TTY (stage, files, chunks, rate, ETA),
 * plain lines otherwise, nothing with --json.
 */
export class ProgressReporter {
  #started = Date.now();
  #stageStarted = Date.now();
  #lastDraw = 0;
  #live: boolean;
  #lineOpen = false;
  #parseDone = false;
  /** The parse stage's current step, and when its `parse` step began (its rate and ETA count from there). */
  #step: ParseProgress['phase'] | undefined;
  #stepStarted = Date.now();

  constructor(private readonly io: CliIo, private readonly mode: 'tty' | 'plain' | 'silent') {
    this.#live = mode === 'tty';
  }

  #draw(text: string, force = false): void {
    if (this.mode === 'silent') return;
    if (!this.#live) {
      this.io.stderr.write(`${text}\n`);
      return;
    }
    const now = Date.now();
    if (!force && now - this.#lastDraw < 80) return;
    this.#lastDraw = now;
    const width = Math.max(20, (this.io.stderr.columns ?? 100) - 1);
    this.io.stderr.write(`\r\x1b[2K${text.length > width ? text.slice(0, width - 1) + '…' : text}`);
    this.#lineOpen = true;
  }

  #endLine(): void {
    if (this.#live && this.#lineOpen) this.io.stderr.write('\n');
    this.#lineOpen = false;
  }

  handle = (event: IndexProgressEvent): void => {
    switch (event.stage) {
      case 'scan':
        this.#draw(`scan   ${fmt(event.files)} files to index, ${fmt(event.skipped)} skipped`, true);
        this.#endLine();
        break;
      case 'plan':
        this.#draw(
          event.mode === 'unchanged'
            ? `plan   nothing changed since snapshot ${event.snapshotId}`
            : `plan   ${event.mode}: ${fmt(event.changed)} changed, ${fmt(event.deleted)} deleted of ${fmt(event.total)} (snapshot ${event.snapshotId})`,
          true,
        );
        this.#endLine();
        this.#stageStarted = Date.now();
        break;
      case 'parse': {
        if (this.#parseDone || event.phase === 'walk') return;
        // A parser that names its steps closes the stage with `done` (reading every file is not
        // the end of it); one that does not, with its last file.
        const last = event.phase ? event.phase === 'done' : event.filesDone === event.filesTotal;
        if (!this.#live && !last) return; // plain output: one line at the end
        if (last) {
          this.#parseDone = true;
          this.#draw(`parse  ${fmt(event.filesDone)} files, ${fmt(event.chunks)} chunks in ${seconds(Date.now() - this.#stageStarted)}`, true);
          this.#endLine();
          return;
        }
        if (event.phase === 'read' && this.#step !== 'read') this.#stageStarted = Date.now();
        if (event.phase === 'parse' && this.#step !== 'parse') this.#stepStarted = Date.now();
        this.#step = event.phase ?? 'parse';
        if (event.phase === 'link') {
          this.#draw(`link   ${fmt(event.filesDone)} files, ${fmt(event.chunks)} chunks: resolving calls and imports…`, true);
          return;
        }
        const elapsed = Date.now() - (event.phase === 'parse' ? this.#stepStarted : this.#stageStarted);
        const rate = elapsed > 0 ? (event.filesDone / elapsed) * 1000 : 0;
        const eta = rate > 0 ? ((event.filesTotal - event.filesDone) / rate) * 1000 : 0;
        const pct = event.filesTotal ? Math.floor((event.filesDone / event.filesTotal) * 100) : 100;
        const bar = '█'.repeat(Math.round(pct / 5)).padEnd(20, '░');
        const what = event.phase === 'read' ? 'read ' : 'parse';
        const chunks = event.phase === 'read' ? '' : `, ${fmt(event.chunks)} chunks`;
        this.#draw(`${what}  ${bar} ${pct}% ${fmt(event.filesDone)}/${fmt(event.filesTotal)} files${chunks}, ${rate.toFixed(0)} files/s, ETA ${seconds(eta)}`);
        break;
      }
      case 'store':
        this.#draw(`store  ${fmt(event.files)} files, ${fmt(event.chunks)} chunks`, true);
        this.#endLine();
        break;
      case 'index':
        if (event.status === 'start') {
          this.#stageStarted = Date.now();
          this.#draw(`index  ${event.index}…`, true);
        } else if (event.status === 'done') {
          const r = event.result!;
          this.#draw(`index  ${event.index}: ${fmt(r.itemsIndexed)} items in ${seconds(r.durationMs)}${r.note ? ` (${r.note})` : ''}`, true);
          this.#endLine();
        } else {
          this.#draw(`index  ${event.index} failed: ${event.error}`, true);
          this.#endLine();
        }
        break;
      case 'done':
        this.#draw(`done   snapshot ${event.snapshotId} is ready (${seconds(Date.now() - this.#started)})`, true);
        this.#endLine();
        break;
    }
  };

  finish(): void {
    this.#endLine();
  }
}
