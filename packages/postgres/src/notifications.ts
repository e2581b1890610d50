import { randomUUID } from 'node:crypto';

/**
 * A subscription to a PostgreSQL notification channel (`LISTEN`), for caches that must learn of
 * writes made by other processes without asking the database on every read.
 *
 * `epoch` is what a cache checks: it is 0 while notifications are not known to arrive (before the
 * subscription is confirmed, after its connection is lost, for a pool Trawl cannot listen on), and
 * a new value each time the subscription is confirmed again. A value read under epoch `e` is kept
 * up to date by the notifications only while `epoch` is still `e`: notifications sent while the
 * connection was down are lost, so anything verified before must be verified again.
 */
export interface NotificationWatch {
  readonly channel: string;
  /** Non-zero while every notification on the channel is being received (see above). */
  readonly epoch: number;
  /** Resolves once the subscription is confirmed (true) or has failed its first attempt (false); never rejects. */
  readonly ready: Promise<boolean>;
  /** Stops listening. Safe to call twice. */
  close(): Promise<void>;
}

/** Called with each notification's payload. Must not throw. */
export type NotificationHandler = (payload: string) => void;

export interface WatchOptions {
  /**
   * How often a server subscription checks that its own notification still comes back (default
   * 15 000 ms): a connection that died without the socket noticing (a silent network failure)
   * is then found within this plus `confirmTimeoutMs`, instead of whenever TCP gives up.
   */
  heartbeatMs?: number;
  /** How long a probe may take to come back before the connection counts as lost (default 5 000 ms). */
  confirmTimeoutMs?: number;
  /** Backoff between reconnection attempts: from `minRetryMs` (250) doubling to `maxRetryMs` (30 000). */
  minRetryMs?: number;
  maxRetryMs?: number;
}

/** The structural subset of a `pg.Client` a server watch uses. */
export interface ListenClient {
  connect(): Promise<unknown>;
  query(text: string, values?: readonly unknown[]): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error' | 'end', listener: (error?: Error) => void): unknown;
  removeAllListeners(): unknown;
}

/** A channel name as a quoted SQL identifier. */
const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

let epochs = 0;
/** How the probes of every subscription start: any subscriber may see another's, and ignores them. */
const PROBE = 'trawl-watch-probe:';

/** A watch that never goes live: callers verify every read, as without notifications. */
export class InertWatch implements NotificationWatch {
  readonly epoch = 0;
  readonly ready = Promise.resolve(false);
  constructor(readonly channel: string) {}
  async close(): Promise<void> {}
}

/**
 * Listens on a dedicated connection (not one of the pool's) and reconnects with backoff when it is
 * lost. The subscription counts as confirmed only once a notification it sent itself after
 * `LISTEN` has come back, so a connection that cannot deliver notifications (a pooler in
 * transaction mode) never goes live and callers keep verifying; while live, it sends such a
 * probe every `heartbeatMs` and counts the connection lost when one does not come back in time.
 */
export class ServerWatch implements NotificationWatch {
  #epoch = 0;
  #client: ListenClient | undefined;
  #closed = false;
  #retryMs: number;
  #timer: NodeJS.Timeout | undefined;
  #confirmed: ((ok: boolean) => void) | undefined;
  readonly ready: Promise<boolean>;

  constructor(
    readonly channel: string,
    readonly onNotification: NotificationHandler,
    readonly connect: () => Promise<ListenClient>,
    readonly options: WatchOptions = {},
  ) {
    this.#retryMs = options.minRetryMs ?? 250;
    this.ready = new Promise((resolve) => (this.#confirmed = resolve));
    void this.#start();
  }

  get epoch(): number {
    return this.#epoch;
  }

  async #start(): Promise<void> {
    if (this.#closed) return;
    let probe = ''; // (the probe out, see sendProbe)
    let client: ListenClient;
    try {
      client = await this.connect();
    } catch {
      this.#settle(false);
      this.#retry();
      return;
    }
    if (this.#closed) return;
    this.#client = client;
    let timeout: NodeJS.Timeout | undefined;
    let heartbeat: NodeJS.Timeout | undefined;
    const lost = () => {
      clearTimeout(timeout);
      clearInterval(heartbeat);
      if (this.#client !== client) return;
      this.#client = undefined;
      this.#epoch = 0;
      void discard(client);
      this.#settle(false);
      this.#retry();
    };
    client.on('error', lost);
    client.on('end', lost);
    /** Sends a probe that must come back within the confirmation timeout (unless one is out). */
    let pending = false;
    const sendProbe = () => {
      if (pending) return;
      pending = true;
      probe = `${PROBE}${randomUUID()}`;
      timeout = setTimeout(lost, this.options.confirmTimeoutMs ?? 5_000);
      timeout.unref();
      client.query('SELECT pg_notify($1, $2)', [this.channel, probe]).catch(lost);
    };
    client.on('notification', (message) => {
      if (message.channel !== this.channel || this.#client !== client) return;
      if (message.payload === probe) {
        pending = false;
        clearTimeout(timeout);
        if (this.#epoch === 0) {
          this.#epoch = ++epochs;
          this.#retryMs = this.options.minRetryMs ?? 250;
          this.#settle(true);
          heartbeat = setInterval(sendProbe, this.options.heartbeatMs ?? 15_000);
          heartbeat.unref();
        }
        return;
      }
      if (message.payload?.startsWith(PROBE)) return; // (another subscription's)
      this.onNotification(message.payload ?? '');
    });
    try {
      await client.connect();
      (client as { connection?: { stream?: { unref?(): void } } }).connection?.stream?.unref?.(); // (never what keeps a process alive)
      await client.query(`LISTEN ${quoteIdent(this.channel)}`);
      sendProbe();
    } catch {
      lost();
    }
  }

  #settle(ok: boolean): void {
    this.#confirmed?.(ok);
    this.#confirmed = undefined;
  }

  #retry(): void {
    if (this.#closed || this.#timer) return;
    const delay = this.#retryMs;
    this.#retryMs = Math.min(delay * 2, this.options.maxRetryMs ?? 30_000);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#start();
    }, delay);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#epoch = 0;
    clearTimeout(this.#timer);
    this.#settle(false);
    const client = this.#client;
    this.#client = undefined;
    if (client) await discard(client);
  }
}

/** Ends a connection the watch no longer uses, without hearing from it again. */
async function discard(client: ListenClient): Promise<void> {
  client.removeAllListeners();
  client.on('error', () => undefined); // (a late socket error must not go unhandled)
  await client.end().catch(() => undefined);
}

/**
 * Listens through PGlite's own `listen`: the database lives in this process and has one session,
 * so a notification reaches the handler before the statement that committed it returns.
 */
export class EmbeddedWatch implements NotificationWatch {
  #epoch = 0;
  #unlisten: Promise<(() => Promise<void>) | undefined>;
  #closed = false;
  readonly ready: Promise<boolean>;

  constructor(
    readonly channel: string,
    onNotification: NotificationHandler,
    listen: (channel: string, handler: NotificationHandler) => Promise<() => Promise<void>>,
  ) {
    this.#unlisten = listen(channel, onNotification).then(
      (unlisten) => {
        if (!this.#closed) this.#epoch = ++epochs;
        return unlisten;
      },
      () => undefined,
    );
    this.ready = this.#unlisten.then((unlisten) => unlisten !== undefined && !this.#closed);
  }

  get epoch(): number {
    return this.#epoch;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#epoch = 0;
    await (await this.#unlisten)?.().catch(() => undefined);
  }
}
