// Part of the CLI's startup snapshot (build/bundle-cli.mjs): whatever the CLI's module-level
// code computes while the snapshot is built is frozen into the blob and shared by every run, so
// random bytes, crypto objects, clocks, the environment, the arguments and the host must be read
// at run time. Imported before the CLI, this watches those APIs while the bundle loads;
// assertNoModuleLevelReads() then stops watching and fails on any read bundled code made.
import crypto from 'node:crypto';
import os from 'node:os';

const reads = [];
const restores = [];

/** Records a read unless Node's own code (node:…) made it: frames are Error, record, the trap. */
function record(what) {
  // Node removes Error.stackTraceLimit while it builds a snapshot (no stack otherwise)
  Error.stackTraceLimit = 4;
  const caller = (new Error().stack ?? '').split('\n')[3]?.trim() ?? '';
  delete Error.stackTraceLimit;
  if (!/[( ]node:/.test(caller)) reads.push(`${what} ${caller}`);
}

/** Functions are wrapped to record each call; other values and getters record each read. */
function watchProperty(object, name, label) {
  const original = Object.getOwnPropertyDescriptor(object, name);
  if (!original?.configurable) return;
  const watched =
    typeof original.value === 'function'
      ? new Proxy(original.value, {
          apply: (target, self, args) => (record(label), Reflect.apply(target, self, args)),
          construct: (target, args, newTarget) => (
            record(label),
            Reflect.construct(target, args, newTarget)
          ),
        })
      : undefined;
  Object.defineProperty(object, name, {
    configurable: true,
    enumerable: original.enumerable,
    get() {
      if (watched) return watched;
      record(label);
      return original.get ? original.get.call(object) : original.value;
    },
  });
  restores.push(() => Object.defineProperty(object, name, original));
}

/** The functions and getters of a module; its constants (os.EOL, crypto.constants) are fine. */
const calls = (module) =>
  Object.keys(module).filter((name) => {
    const { value, get } = Object.getOwnPropertyDescriptor(module, name);
    return get !== undefined || typeof value === 'function';
  });
// hashing a constant (e.g. a vendor ID) gives the same bytes at every run: fine to freeze
const DETERMINISTIC = new Set(['createHash', 'createHmac', 'hash', 'getHashes', 'getCiphers']);
for (const name of calls(crypto))
  if (!DETERMINISTIC.has(name)) watchProperty(crypto, name, `crypto.${name}`);
for (const name of calls(os)) watchProperty(os, name, `os.${name}`);
watchProperty(Date, 'now', 'Date.now');
watchProperty(Math, 'random', 'Math.random');
const OriginalDate = Date;
globalThis.Date = new Proxy(OriginalDate, {
  construct: (target, args, newTarget) => (
    args.length === 0 && record('new Date()'),
    Reflect.construct(target, args, newTarget === globalThis.Date ? target : newTarget)
  ),
});
restores.push(() => (globalThis.Date = OriginalDate));
for (const name of ['hrtime', 'argv', 'cwd', 'pid', 'getuid', 'geteuid', 'umask'])
  watchProperty(process, name, `process.${name}`);
watchProperty(process.hrtime, 'bigint', 'process.hrtime.bigint');
const environment = process.env;
process.env = new Proxy(environment, {
  get: (target, key) => (record(`process.env.${String(key)}`), Reflect.get(target, key)),
});
restores.push(() => (process.env = environment));

/** Stops watching; throws, naming each read (and its caller) bundled module-level code made. */
export function assertNoModuleLevelReads() {
  for (const restore of restores.reverse()) restore();
  if (reads.length > 0)
    throw new Error(
      `module-level code read run-time state while the snapshot was built (the blob would freeze it: read it when called instead):\n  ${[...new Set(reads)].join('\n  ')}`,
    );
}
