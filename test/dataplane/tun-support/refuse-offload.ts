// Fault injection for the TUN addon's offload fallback: an LD_PRELOAD library whose ioctl()
// fails TUNSETOFFLOAD with EINVAL, as a kernel without TUN offload support answers, and passes
// every other request to libc. Built with the C compiler the addon build needs anyway.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const SOURCE = `#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/if_tun.h>
#include <stdarg.h>
#include <sys/ioctl.h>

int ioctl(int fd, unsigned long request, ...) {
  va_list args;
  va_start(args, request);
  void* argument = va_arg(args, void*);
  va_end(args);
  if (request == TUNSETOFFLOAD) {
    errno = EINVAL;
    return -1;
  }
  static int (*real)(int, unsigned long, ...);
  if (real == 0) real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
  return real(fd, request, argument);
}
`;

/** Runs body with the `env LD_PRELOAD=...` wrapper for a child whose kernel refuses offload. */
export async function withOffloadRefused<T>(body: (wrapper: string[]) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'rw-refuse-offload-'));
  try {
    const source = join(dir, 'refuse-offload.c');
    const library = join(dir, 'refuse-offload.so');
    await writeFile(source, SOURCE);
    await run('cc', ['-shared', '-fPIC', '-O2', '-o', library, source, '-ldl']);
    return await body(['env', `LD_PRELOAD=${library}`]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
