// What the helper refuses no matter what the caller sends: it runs as root, so nothing a user
// supplies may name a program to run or a privileged port to take.
export { type ScriptVerdict, checkScriptPath } from '../dataplane/netconfig/script-policy.js';

/** Directories only an administrator can write: a vpnc-script is honoured only from here
 * (plus any managed-profile directory the admin adds with --script-dir). */
export const DEFAULT_SCRIPT_DIRS: readonly string[] = [
  '/etc/roadwarrior/scripts',
  '/usr/share/vpnc-scripts',
  '/etc/vpnc',
];

/** IKE (RFC 2409 / RFC 7296 2) and NAT-T (RFC 3948 2.1) ports: the only privileged local
 * ports a caller may ask for; 0 means ephemeral. */
const IKE_PORTS: ReadonlySet<number> = new Set([0, 500, 4500]);
const FIRST_UNPRIVILEGED_PORT = 1024;

/** The reason a requested local port is refused, or undefined when it is allowed. */
export function localPortProblem(port: number | undefined): string | undefined {
  if (port === undefined || IKE_PORTS.has(port) || port >= FIRST_UNPRIVILEGED_PORT)
    return undefined;
  return `local port ${port} is privileged and not an IKE port (0, 500, 4500 or >= ${FIRST_UNPRIVILEGED_PORT})`;
}
