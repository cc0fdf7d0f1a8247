// A throw-away network namespace (IPv6 off, so only the test's own packets cross a TUN) and
// Node children run inside it that report JSON lines on stdout.
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHILD_SCRIPT = fileURLToPath(new URL('./tun-child.ts', import.meta.url));
const LINE_TIMEOUT_MS = 10_000;
let serial = 0;

export interface NodeChild {
  readonly process: ChildProcessWithoutNullStreams;
  /** the next JSON line the child printed */
  next<T>(): Promise<T>;
  /** resolves with the exit code once the child is gone */
  readonly exited: Promise<number | null>;
}

export interface Netns {
  readonly name: string;
  /** runs a program inside the namespace and returns its stdout */
  exec(file: string, ...args: string[]): Promise<string>;
  /** `ip netns exec <ns> [...wrapper] node --import tsx tun-child.ts ...args` */
  startChild(args: string[], wrapper?: string[]): NodeChild;
}

/** Runs body with a fresh namespace; the namespace and its children go away whatever happens. */
export async function withNetns<T>(tag: string, body: (ns: Netns) => Promise<T>): Promise<T> {
  const name = `rwtun-${tag}-${process.pid}-${serial++}`;
  const children: NodeChild[] = [];
  await run('ip', ['netns', 'add', name]);
  try {
    const ns: Netns = {
      name,
      exec: async (file, ...args) =>
        (await run('ip', ['netns', 'exec', name, file, ...args])).stdout,
      startChild: (args, wrapper = []) => {
        const child = startNode(name, wrapper, [CHILD_SCRIPT, ...args]);
        children.push(child);
        return child;
      },
    };
    await ns.exec(
      'sysctl',
      '-qw',
      'net.ipv6.conf.all.disable_ipv6=1',
      'net.ipv6.conf.default.disable_ipv6=1',
    );
    return await body(ns);
  } finally {
    for (const child of children) {
      if (child.process.exitCode === null && child.process.signalCode === null) {
        child.process.kill('SIGKILL');
        await child.exited;
      }
    }
    await run('ip', ['netns', 'del', name]);
  }
}

/** Starts `node --import tsx <script> ...` inside the namespace; also used by the bench. */
export function startNode(ns: string, wrapper: string[], nodeArgs: string[]): NodeChild {
  const child = spawn(
    'ip',
    ['netns', 'exec', ns, ...wrapper, process.execPath, '--import', 'tsx', ...nodeArgs],
    { cwd: REPO_ROOT },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    process: child,
    exited,
    next: async <T>() => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no line from child; stderr: ${stderr}`)),
          LINE_TIMEOUT_MS,
        );
      });
      try {
        const line = await Promise.race([lines.next(), timeout]);
        if (line.done === true) throw new Error(`child ended; stderr: ${stderr}`);
        return JSON.parse(line.value) as T;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
