// `roadwarrior helper`: runs the privileged helper in the foreground until SIGINT/SIGTERM (or,
// when started on demand by pkexec, until no app has used it for a while). What a service
// manager, the pkexec wrapper and the tests start.
import { parseArgs } from 'node:util';
import { cleanupStale, createInProcessDataPlane } from '../dataplane/index.js';
import { type CleanupReport, DEFAULT_STATE_DIR } from '../dataplane/netconfig/index.js';
import type { DataPlanePort } from '../shared/dataplane-port.js';
import { type LogLevel, logLevels } from '../shared/events.js';
import { DEFAULT_HELPER_SOCKET_PATH } from '../shared/helper-protocol.js';
import { type AccessRules, DEFAULT_ALLOWED_GROUP } from './access.js';
import { DEFAULT_SCRIPT_DIRS } from './policy.js';
import { startHelper } from './server.js';

export interface HelperCommandDeps {
  /** the privileged data plane the helper serves; the in-process one unless given */
  createDataPlane?: (options: { stateDir: string; scriptDirs: readonly string[] }) => DataPlanePort;
  /** undo of a previous run's leftovers; the data plane's cleanupStale unless given */
  cleanupStale?: (
    stateDir: string,
    options: { scriptDirs: readonly string[] },
  ) => Promise<CleanupReport>;
  /** one log line; stderr unless given */
  writeLog?: (line: string) => void;
}

export const USAGE = `usage: roadwarrior helper [--socket PATH] [--state-dir DIR]
                         [--allow-group NAME|GID] [--allow-uid UID]...
                         [--script-dir DIR]... [--log-level error|warn|info|debug|trace]
                         [--exit-when-idle SECONDS]
Who may open tunnels: root and the members of group ${DEFAULT_ALLOWED_GROUP}, unless
--allow-group or --allow-uid say otherwise (--allow-uid alone: only those uids and root).`;

/** sd_listen_fds(3): inherited sockets start at fd 3 */
const SD_LISTEN_FDS_START = 3;

/** Runs until stopped; resolves with the process exit code. `argv` is what follows `helper`. */
export async function runHelperCommand(
  argv: string[],
  deps: HelperCommandDeps = {},
): Promise<number> {
  const writeLog = deps.writeLog ?? ((line: string) => process.stderr.write(`${line}\n`));
  let settings: HelperSettings;
  try {
    settings = parseSettings(argv, process.env);
  } catch (error) {
    writeLog(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const threshold = logLevels.indexOf(settings.logLevel);
  const log = (level: LogLevel, message: string) => {
    if (logLevels.indexOf(level) <= threshold) writeLog(`${level}: ${message}`);
  };

  let stop: (reason: string) => void = () => undefined;
  const stopped = new Promise<string>((resolve) => (stop = resolve));
  const onSignal = (signal: NodeJS.Signals) => stop(signal);
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  let idleTimer: NodeJS.Timeout | undefined;
  const idleAfter = (count: number) => {
    clearTimeout(idleTimer);
    if (settings.exitWhenIdleSeconds === undefined || count > 0) return;
    idleTimer = setTimeout(() => stop('idle'), settings.exitWhenIdleSeconds * 1000);
  };
  try {
    const helper = await startHelper({
      socketPath: settings.socketPath,
      dataPlane: (deps.createDataPlane ?? createInProcessDataPlane)({
        stateDir: settings.stateDir,
        scriptDirs: settings.scriptDirs,
      }),
      stateDir: settings.stateDir,
      log,
      access: settings.access,
      scriptDirs: settings.scriptDirs,
      cleanupStale: deps.cleanupStale ?? cleanupStale,
      listenFd: settings.listenFd,
      onConnectionsChanged: idleAfter,
    });
    idleAfter(0);
    log('info', `stopping (${await stopped})`);
    clearTimeout(idleTimer);
    await helper.close();
    return 0;
  } catch (error) {
    log('error', (error as Error).message);
    return 1;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

interface HelperSettings {
  socketPath: string;
  stateDir: string;
  access: AccessRules;
  scriptDirs: string[];
  logLevel: LogLevel;
  exitWhenIdleSeconds: number | undefined;
  listenFd: number | undefined;
}

function parseSettings(argv: string[], env: NodeJS.ProcessEnv): HelperSettings {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      socket: { type: 'string', default: DEFAULT_HELPER_SOCKET_PATH },
      'state-dir': { type: 'string', default: DEFAULT_STATE_DIR },
      'allow-group': { type: 'string' },
      'allow-uid': { type: 'string', multiple: true, default: [] },
      'script-dir': { type: 'string', multiple: true, default: [] },
      'log-level': { type: 'string', default: 'info' },
      'exit-when-idle': { type: 'string' },
    },
  });
  const logLevel = logLevels.find((level) => level === values['log-level']);
  if (!logLevel) throw new Error(`--log-level must be one of ${logLevels.join(', ')}`);
  for (const dir of values['script-dir']) {
    if (!dir.startsWith('/')) throw new Error(`--script-dir must be absolute: ${dir}`);
  }
  return {
    socketPath: values.socket,
    stateDir: values['state-dir'],
    access: accessRules(values['allow-group'], values['allow-uid'], env.PKEXEC_UID),
    scriptDirs: [...DEFAULT_SCRIPT_DIRS, ...values['script-dir']],
    logLevel,
    exitWhenIdleSeconds: optionalInteger('--exit-when-idle', values['exit-when-idle']),
    listenFd: inheritedSocket(env),
  };
}

function accessRules(
  group: string | undefined,
  uidTexts: string[],
  pkexecUid: string | undefined,
): AccessRules {
  // started through pkexec: serve only the user who asked (pkexec(1) sets PKEXEC_UID)
  const texts = uidTexts.length === 0 && pkexecUid !== undefined ? [pkexecUid] : uidTexts;
  const uids = texts.map((text) => optionalInteger('--allow-uid', text) as number);
  if (group !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}$/.test(group)) {
    throw new Error(`--allow-group must be a group name or gid: ${group}`);
  }
  // uids alone narrow the helper to them; neither: the packaged group
  return { uids, group: group ?? (uids.length > 0 ? undefined : DEFAULT_ALLOWED_GROUP) };
}

function optionalInteger(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new Error(`${name} must be a non-negative integer: ${text}`);
  return Number(text);
}

/** systemd socket activation (sd_listen_fds(3)): the socket unit bound the socket for us.
 * The variables are removed so programs the data plane runs do not inherit them. */
function inheritedSocket(env: NodeJS.ProcessEnv): number | undefined {
  const ours = env.LISTEN_PID === String(process.pid) && Number(env.LISTEN_FDS) >= 1;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDS;
  delete env.LISTEN_FDNAMES;
  return ours ? SD_LISTEN_FDS_START : undefined;
}
