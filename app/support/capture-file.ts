// The last IKE messages of a connection, kept on disk for a support bundle: the engine's
// redacted cleartext tap (ConnectOptions.ikeCapture) written as a pcap in the user's state
// directory, one file per profile, rewritten atomically as messages come (mode 0600). Bounded:
// the newest messages up to a count and a size. A disk that refuses it costs the capture,
// never the connection.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CapturedIkeMessage, ConnectOptions, VpnConnection } from '../engine/index.js';
import { stateDirectory } from '../main/service/log-file.js';
import { canWriteAddress, pcapFile } from './pcap.js';

export const CAPTURE_LIMITS = { messages: 64, bytes: 256 * 1024 };

/** $XDG_STATE_HOME/roadwarrior/captures */
export function captureDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDirectory(env), 'captures');
}

/** A profile name as a file name: anything but letters, digits, '.', '_' and '-' becomes '_'. */
export const safeFileName = (profile: string): string => profile.replace(/[^A-Za-z0-9._-]/g, '_');

export class CaptureFile {
  readonly path: string;
  private readonly messages: CapturedIkeMessage[] = [];
  private broken = false;

  constructor(
    private readonly dir: string,
    profile: string,
    private readonly limits = CAPTURE_LIMITS,
  ) {
    this.path = join(dir, `${safeFileName(profile)}.pcap`);
  }

  /** For ConnectOptions.ikeCapture. */
  readonly add = (message: CapturedIkeMessage): void => {
    if (this.broken) return;
    if (!canWriteAddress(message.source.address) || !canWriteAddress(message.destination.address))
      return;
    this.messages.push(message);
    let bytes = this.messages.reduce((total, m) => total + m.udpPayload.length, 0);
    while (this.messages.length > this.limits.messages || bytes > this.limits.bytes)
      bytes -= this.messages.shift()!.udpPayload.length;
    this.write();
  };

  private write(): void {
    const datagrams = this.messages.map((m) => ({ ...m, payload: m.udpPayload }));
    const temporary = `${this.path}.${process.pid}.tmp`;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      writeFileSync(temporary, pcapFile(datagrams), { mode: 0o600 });
      renameSync(temporary, this.path);
    } catch {
      this.broken = true;
    }
  }
}

/** `connect` with the capture tap writing each profile's file in `dir`. */
export function withIkeCapture(
  connect: (options: ConnectOptions) => VpnConnection,
  dir: string = captureDirectory(),
): (options: ConnectOptions) => VpnConnection {
  return (options) =>
    connect({ ...options, ikeCapture: new CaptureFile(dir, options.profile.name).add });
}
