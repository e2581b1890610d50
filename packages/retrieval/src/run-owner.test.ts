import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { leftByDeadRun, processRunning, thisProcess } from './run-owner.js';

const indexing = (owner: object | undefined) => ({ status: 'indexing' as const, stats: owner ? { owner } : {} });

describe('leftByDeadRun', () => {
  const me = thisProcess();
  const gone = spawnSync(process.execPath, ['-e', '0']).pid!;

  it('knows this machine, boot and pid namespace on Linux', () => {
    expect(me).toMatchObject({ pid: process.pid, bootId: expect.any(String), pidNamespace: expect.stringMatching(/^pid:\[\d+\]$/), started: expect.stringMatching(/^\d+$/) });
  });

  it('tells a run whose process is gone, or whose pid another process now has', () => {
    expect(leftByDeadRun(indexing({ ...me, pid: gone }))).toBe(true);
    // The parent is alive: with its start time it is the owner, with another one its pid was reused.
    expect(leftByDeadRun(indexing({ ...me, pid: process.ppid, started: undefined }))).toBe(false);
    expect(leftByDeadRun(indexing({ ...me, pid: process.ppid, started: '1' }))).toBe(true);
    // This very process: its own runs are alive; a process before it with the same pid is not.
    expect(leftByDeadRun(indexing(me))).toBe(false);
    expect(leftByDeadRun(indexing({ ...me, started: '1' }))).toBe(true);
  });

  it('tells a run of this machine from before it booted', () => {
    expect(leftByDeadRun(indexing({ ...me, pid: process.ppid, bootId: 'an-earlier-boot' }))).toBe(true);
  });

  it('leaves alone what may be a run still going: another machine, container, or no owner at all', () => {
    expect(leftByDeadRun(indexing({ ...me, pid: gone, host: `not-${me.host}` }))).toBe(false);
    expect(leftByDeadRun(indexing({ ...me, pid: gone, machineId: 'another-machine', bootId: 'its-boot' }))).toBe(false);
    expect(leftByDeadRun(indexing({ ...me, pid: gone, pidNamespace: 'pid:[1]' }))).toBe(false);
    expect(leftByDeadRun(indexing(undefined))).toBe(false);
    expect(leftByDeadRun({ status: 'ready', stats: { owner: { ...me, pid: gone } } })).toBe(false);
  });
});

describe('processRunning', () => {
  it('tells a process that runs, with its start time, from one gone or started at another time', () => {
    const me = thisProcess();
    expect(processRunning(process.pid)).toBe(true);
    expect(processRunning(process.pid, me.started)).toBe(true);
    expect(processRunning(process.pid, '1')).toBe(false);
    expect(processRunning(spawnSync(process.execPath, ['-e', '0']).pid!)).toBe(false);
  });
});
