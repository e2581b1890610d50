import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import type { SnapshotRecord } from '@trawl/core';

/**
 * Who builds a snapshot, recorded in its stats (`owner`) while it is `indexing`. A host name and
 * a pid alone do not name a process: containers sharing the host's name (`--network=host`) have
 * pid namespaces of their own, and pids are reused. On Linux the owner also carries its pid
 * namespace, the machine and boot ids, and the process's start time.
 */
export interface RunOwner {
  host: string;
  pid: number;
  machineId?: string;
  bootId?: string;
  pidNamespace?: string;
  /** Clock ticks after boot at which the process started (`/proc/<pid>/stat`, field 22). */
  started?: string;
}

let self: RunOwner | undefined;

/** This process, as a snapshot's owner. */
export function thisProcess(): RunOwner {
  if (!self) {
    const pidNamespace = attempt(() => readlinkSync('/proc/self/ns/pid'));
    self = {
      host: hostname(),
      pid: process.pid,
      ...defined({
        // (container images often ship an empty one, or "uninitialized": no id)
        machineId: attempt(() => readFileSync('/etc/machine-id', 'utf8').trim())?.replace(/^uninitialized$/, '') || undefined,
        bootId: attempt(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()),
        pidNamespace,
        started: processStat(process.pid)?.started,
      }),
    };
  }
  return self;
}

/**
 * Whether an `indexing` snapshot was left by a run whose process is gone (killed, or its machine
 * restarted), so that it can be removed. Only what can be told for sure counts:
 * - the owner ran on this machine in this pid namespace and boot, and its pid is gone, a zombie,
 *   or another process's now (another start time);
 * - or the owner ran on this machine (same host, machine id and pid namespace) before it last
 *   booted.
 * A snapshot without an owner (begun by an older version), from another machine or container,
 * or of this very process is left alone: it may be a run still going.
 */
export function leftByDeadRun(snapshot: Pick<SnapshotRecord, 'status' | 'stats'>): boolean {
  const owner = snapshot.stats.owner as Partial<RunOwner> | undefined;
  if (snapshot.status !== 'indexing' || !owner || typeof owner.pid !== 'number' || !Number.isInteger(owner.pid)) return false;
  const me = thisProcess();
  if (owner.host !== me.host || owner.pidNamespace !== me.pidNamespace || owner.machineId !== me.machineId) return false;
  if (owner.bootId !== me.bootId) return me.machineId !== undefined && owner.bootId !== undefined && me.bootId !== undefined;
  if (owner.pid === me.pid) return owner.started !== undefined && me.started !== undefined && owner.started !== me.started;
  return !processRunning(owner.pid, owner.started);
}

/**
 * Whether process `pid` is running: it exists (another user's too) and is not a zombie (a killed
 * process its parent has not reaped still answers signal 0), and, given `started` (see
 * {@link RunOwner}), it started then: another process with the pid is not it. Without /proc,
 * a pid that answers counts as running.
 */
export function processRunning(pid: number, started?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the process exists (another user's).
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM') return code !== 'ESRCH';
  }
  const now = processStat(pid);
  if (!now) return true;
  return now.state !== 'Z' && (started === undefined || now.started === started);
}

/** A process's state and start time from `/proc/<pid>/stat` (fields 3 and 22), when there is one. */
function processStat(pid: number): { state: string; started: string } | undefined {
  const stat = attempt(() => readFileSync(`/proc/${pid}/stat`, 'utf8'));
  if (!stat) return undefined;
  // (the command name, field 2, is in parentheses and may hold spaces: count from after it)
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields.length > 19 ? { state: fields[0]!, started: fields[19]! } : undefined;
}

function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

function defined<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}
