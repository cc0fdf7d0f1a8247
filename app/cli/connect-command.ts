// `roadwarrior connect`: one connection, headless, until SIGINT/SIGTERM. Exit 0 after a clean
// disconnect; non-zero with one line naming the cause otherwise.
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { EngineError } from '../engine/api.js';
import { connect } from '../engine/index.js';
import { createDataPlaneFor } from '../main/data-plane-choice.js';
import { withBackupGateways } from '../profiles/backup-gateways.js';
import { withIkeCapture } from '../support/capture-file.js';
import { keepLastSession, lastSessionDirectory } from '../support/last-session.js';
import { type LogLevel, LogLevelSchema } from '../shared/events.js';
import { cliCredentials } from './credentials.js';
import { resolveProfile } from './profile-source.js';
import { diagnosisTracker, failureLine, humanRenderer, jsonRenderer } from './render.js';
import { SessionWriter, sessionDir } from './session-file.js';
import type { Subcommand } from './subcommand.js';

export const CONNECT_USAGE = `usage: roadwarrior connect --gateway HOST --group NAME --username USER
         --group-psk-file FILE --password-file FILE [--key-passphrase-file FILE]
         [--profile NAME|FILE] [--json]
         [--log-level error|info|debug|trace] [--no-script] [--script PATH] [--no-dns]
         [--helper SOCKET]`;

export const CONNECT_OPTIONS = {
  gateway: { type: 'string' },
  group: { type: 'string' },
  username: { type: 'string' },
  'group-psk-file': { type: 'string' },
  'password-file': { type: 'string' },
  'key-passphrase-file': { type: 'string' },
  profile: { type: 'string' },
  json: { type: 'boolean', default: false },
  'log-level': { type: 'string', default: 'info' },
  'no-script': { type: 'boolean', default: false },
  script: { type: 'string' },
  'no-dns': { type: 'boolean', default: false },
  helper: { type: 'string' },
} as const satisfies ParseArgsOptionsConfig;

export const CONNECT: Subcommand = { usage: CONNECT_USAGE, run: connectCommand };

export async function connectCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: CONNECT_OPTIONS, strict: true });
  const level = LogLevelSchema.safeParse(values['log-level']);
  if (!level.success)
    throw new EngineError('config-invalid', `--log-level must be one of error, info, debug, trace`);
  const logLevel: LogLevel = level.data;
  const profile = await resolveProfile(values.profile, {
    gateway: values.gateway,
    group: values.group,
    username: values.username,
    script: values.script,
  });
  if (profile.tokenCode && values['password-file'])
    throw new EngineError(
      'config-invalid',
      `the password of profile "${profile.name}" is one-time (a token code): --password-file would send the same code again at re-authentication; leave it out to be asked on the terminal each time`,
    );
  const render = values.json
    ? jsonRenderer((line) => process.stdout.write(line))
    : humanRenderer((line) => process.stderr.write(line), logLevel);

  const credentials = cliCredentials({
    groupPskFile: values['group-psk-file'],
    passwordFile: values['password-file'],
    keyPassphraseFile: values['key-passphrase-file'],
    username: profile.username,
    // a named profile's secrets come from the keychain when no file is given, then are asked
    savedFor: values.profile ? profile : undefined,
  });
  // a profile's backup gateways are tried in order when the gateway does not answer
  // the last IKE messages, redacted, kept for `roadwarrior support-bundle`
  const connection = withIkeCapture(withBackupGateways(connect))({
    profile,
    credentials,
    // as the desktop app chooses: root owns sockets, TUN and routes itself; anyone else goes
    // through the privileged helper (its default socket unless --helper names one), and a
    // missing helper fails the connect before any packet leaves
    dataPlane: createDataPlaneFor({ helperSocket: values.helper, uid: process.getuid?.() })(),
    logLevel,
    skipNetworkConfig: values['no-script'],
    skipDns: values['no-dns'],
  });
  connection.onEvent(render);
  const diagnosis = diagnosisTracker();
  connection.onEvent(diagnosis.observe);
  // what `roadwarrior status` shows of this process
  const session = new SessionWriter(sessionDir(), {
    profile: profile.name,
    gateway: profile.gateway,
  });
  connection.onEvent(session.observe);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void connection.disconnect();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const failure = await connection.closed;
  // what `support-bundle` shows of this tunnel once it is gone
  keepLastSession(lastSessionDirectory(), profile.name, session.current);
  session.remove();
  credentials.endSession();
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  if (failure && !(stopping && failure.code === 'cancelled')) {
    if (!values.json) process.stderr.write(failureLine(diagnosis.current(), failure));
    return 1;
  }
  return 0;
}
