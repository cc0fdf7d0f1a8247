// Secrets for the CLI: from files, or typed at a TTY prompt without echo. Never from argv
// (other users see it in ps) and never printed.
import { readFileSync } from 'node:fs';
import { Secret } from '../shared/secret.js';
import { EngineError } from '../engine/api.js';

export async function secretFromFile(path: string, what: string): Promise<Secret> {
  let text: string;
  try {
    // one small blocking read: readFile's thread-pool round trips cost ~0.4 ms of a connect
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new EngineError(
      'credentials-missing',
      `cannot read the ${what} file ${path} (${reason})`,
    );
  }
  const value = text.replace(/\r?\n$/, '');
  if (value.length === 0)
    throw new EngineError('credentials-missing', `the ${what} file ${path} is empty`);
  return Secret.fromString(value);
}

/** Reads a line from the TTY with echo off. Without a terminal, the error names `fileFlag`, the
 * connect option that gives the secret in a file; a secret without one (a token code, a new
 * PIN) can only be typed. */
export async function promptHidden(question: string, fileFlag?: string): Promise<Secret> {
  const input = process.stdin;
  if (!input.isTTY) {
    throw new EngineError(
      'credentials-missing',
      `${question.replace(/:\s*$/, '')} is needed but there is no terminal to ask on: ${fileFlag ? `pass it in a file with ${fileFlag} FILE` : 'it can only be typed, so run the command on a terminal'}`,
    );
  }
  // echo off before the question shows: what is typed as soon as it appears is not echoed
  input.setRawMode(true);
  process.stderr.write(question);
  input.resume();
  const chars: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            input.off('data', onData);
            return resolve();
          }
          if (ch === '\u0003') {
            input.off('data', onData);
            return reject(new EngineError('cancelled', 'cancelled at the password prompt'));
          }
          if (ch === '\u007f') chars.pop();
          else chars.push(ch);
        }
      };
      input.on('data', onData);
    });
  } finally {
    input.setRawMode(false);
    input.pause();
    process.stderr.write('\n');
  }
  return Secret.fromString(chars.join(''));
}

export async function promptLine(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new EngineError(
      'credentials-missing',
      `${question.replace(/:\s*$/, '')} is needed but there is no terminal to ask on`,
    );
  }
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}
