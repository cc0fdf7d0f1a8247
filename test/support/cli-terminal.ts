// `roadwarrior connect` on a terminal (a pty) in the lab's client namespace, for interop tests
// of what a user sees and types at its prompts: the test's part runs while it is connected, then
// Ctrl-C must end it cleanly and leave the gateway without an SA.
import assert from 'node:assert/strict';
import type { Lab } from '../lab/index.js';
import { CLI_ENTRY } from './cli-process.js';
import type { ClientFiles } from './interop.js';
import { type PtySession, startPty } from './pty-session.js';

/** Runs the CLI with `args` on a pty and `session` with it; then Ctrl-C (exit 0, no SA left).
 * The pty is killed and `files` removed whatever happens. */
export async function connectOnTerminal(
  lab: Lab,
  files: ClientFiles,
  args: string[],
  session: (pty: PtySession) => Promise<void>,
): Promise<void> {
  const pty = startPty([
    'ip',
    'netns',
    'exec',
    lab.names.cli,
    process.execPath,
    CLI_ENTRY,
    ...args,
  ]);
  try {
    await session(pty);
    pty.type('\u0003');
    assert.equal(await pty.exit, 0, pty.output());
  } finally {
    await pty.kill();
    files.remove();
  }
  await lab.waitForSas((sas) => sas.length === 0, 5_000, 'no SA after Ctrl-C');
}
