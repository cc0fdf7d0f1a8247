// What a help desk asks first: which roadwarrior, Node, OpenSSL, kernel and strongSwan.
import { execFile } from 'node:child_process';
import { release, type as osType } from 'node:os';
import { promisify } from 'node:util';
import packageJson from '../../package.json' with { type: 'json' };

const run = promisify(execFile);

export interface Versions {
  roadwarrior: string;
  node: string;
  openssl: string;
  kernel: string;
  /** the first line `ipsec --version` prints, when strongSwan is installed */
  strongswan?: string;
}

async function strongSwanVersion(): Promise<string | undefined> {
  try {
    const { stdout } = await run('ipsec', ['--version'], { timeout: 5000 });
    return stdout
      .split('\n')
      .find((line) => line.trim())
      ?.trim();
  } catch {
    return undefined;
  }
}

export async function collectVersions(): Promise<Versions> {
  const strongswan = await strongSwanVersion();
  return {
    roadwarrior: packageJson.version,
    node: process.versions.node,
    openssl: process.versions.openssl ?? 'unknown',
    kernel: `${osType()} ${release()}`,
    ...(strongswan ? { strongswan } : {}),
  };
}
