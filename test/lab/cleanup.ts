// Nothing a lab makes may outlive it: every running lab is registered here and torn down
// synchronously when the process exits or is signalled, and leftovers of crashed runs
// (namespaces whose owner pid is dead) are removed by cleanupStaleLabs().
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processStartTime } from './proc-stat.js';
import { inSharedDir, removeIfEmpty } from './shared-dirs.js';
import { destroyTopology, labNames, listNamespaces, parseLabNamespace } from './topology.js';

/** Where labs keep their files (gitignored). */
export const LAB_ROOT = fileURLToPath(new URL('../../.lab/', import.meta.url));

const LAB_ID = /^(\d+)-\d+$/;

export function labDir(id: string): string {
  return join(LAB_ROOT, id);
}

/** Who made a lab: pid plus kernel start time, so a recycled pid does not keep a dead lab alive. */
interface LabOwner {
  pid: number;
  startTime: string | undefined;
}

const OWNER_FILE = 'owner.json';

function ownerFile(id: string): string {
  return join(labDir(id), OWNER_FILE);
}

/** Creates the lab directory with this process recorded as the owner. */
export function createLabDir(id: string): string {
  const dir = labDir(id);
  const owner: LabOwner = { pid: process.pid, startTime: processStartTime(process.pid) };
  inSharedDir(() => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(ownerFile(id), JSON.stringify(owner));
  });
  return dir;
}

function recordedOwner(id: string): LabOwner {
  try {
    return JSON.parse(readFileSync(ownerFile(id), 'utf8')) as LabOwner;
  } catch {
    return { pid: Number(LAB_ID.exec(id)?.[1]), startTime: undefined };
  }
}

const live = new Map<string, () => void>();

/** Sync teardown of one lab's namespaces, processes, /etc/netns entry and files. */
export function destroyLabSync(id: string): void {
  try {
    destroyTopology(labNames(id));
  } finally {
    rmSync(labDir(id), { recursive: true, force: true });
    removeIfEmpty(LAB_ROOT);
  }
}

function ownerAlive(id: string): boolean {
  if (live.has(id)) return true;
  const owner = recordedOwner(id);
  // our own pid but not in our registry: a previous process that had this pid made it
  if (owner.pid === process.pid) return false;
  const startTime = processStartTime(owner.pid);
  if (startTime === undefined) return false;
  return owner.startTime === undefined || owner.startTime === startTime;
}

/** Ids of all labs with a trace on this host: namespaces, /etc/netns entries, lab directories. */
function knownLabIds(): Set<string> {
  const ids = new Set<string>();
  const fromName = (name: string) => {
    const parsed = parseLabNamespace(name);
    if (parsed) ids.add(parsed.id);
  };
  listNamespaces().forEach(fromName);
  if (existsSync('/etc/netns')) readdirSync('/etc/netns').forEach(fromName);
  if (existsSync(LAB_ROOT))
    readdirSync(LAB_ROOT)
      .filter((d) => LAB_ID.test(d))
      .forEach((d) => ids.add(d));
  return ids;
}

/** Removes every lab whose owner process is gone; returns the ids removed. Safe while other labs run. */
export function cleanupStaleLabs(): string[] {
  const removed: string[] = [];
  const failures: string[] = [];
  for (const id of knownLabIds()) {
    if (ownerAlive(id)) continue;
    try {
      destroyLabSync(id);
      removed.push(id);
    } catch (error) {
      failures.push(`${id}: ${(error as Error).message}`);
    }
  }
  if (failures.length > 0) throw new Error(`could not remove stale labs: ${failures.join('; ')}`);
  return removed;
}

let sequence = 0;

/** A fresh lab id for this process that no leftover uses. */
export function newLabId(): string {
  const taken = knownLabIds();
  let id: string;
  do id = `${process.pid}-${++sequence}`;
  while (taken.has(id));
  return id;
}

function teardownAll(): void {
  for (const [id, teardown] of live) {
    try {
      teardown();
    } catch (error) {
      console.error(`lab ${id}: cleanup on exit failed: ${(error as Error).message}`);
    }
  }
  live.clear();
}

const EXIT_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function onSignal(signal: NodeJS.Signals): void {
  // Someone else handles the signal (the test runner, scripts/lab.ts): they stop the lab or
  // call process.exit(), which runs the 'exit' hook. Otherwise clean up and die as the signal would.
  if (process.listenerCount(signal) > 1) return;
  teardownAll();
  for (const s of EXIT_SIGNALS) process.removeListener(s, onSignal);
  process.kill(process.pid, signal);
}

let hooksInstalled = false;

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', teardownAll);
  for (const signal of EXIT_SIGNALS) process.on(signal, onSignal);
}

/** Registers a running lab's sync teardown for exit and signal handling. */
export function registerLab(id: string, teardown: () => void): void {
  installHooks();
  live.set(id, teardown);
}

export function unregisterLab(id: string): void {
  live.delete(id);
}
