// `roadwarrior status`: the tunnels this user's `roadwarrior connect` processes run, shown as a
// head-end shows its own (`show crypto isakmp sa`, `show crypto ipsec sa`): SAs, lifetimes,
// counters, drops by reason, and the current diagnosis.
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { diagnosisText } from '../shared/ui/event-text.js';
import { type SessionRecord, readSessions, sessionDir } from './session-file.js';
import type { Subcommand } from './subcommand.js';

export const STATUS_USAGE = `usage: roadwarrior status [--json]

  the running tunnels of this user: IKE and IPsec SAs, lifetimes, counters, drops, diagnosis
  --json   one JSON object per tunnel and line`;

export const STATUS_OPTIONS = {
  json: { type: 'boolean', default: false },
} as const satisfies ParseArgsOptionsConfig;

export const STATUS: Subcommand = { usage: STATUS_USAGE, run: statusCommand };

async function statusCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: STATUS_OPTIONS, strict: true });
  const sessions = readSessions(sessionDir());
  if (values.json) {
    for (const session of sessions) process.stdout.write(`${JSON.stringify(session)}\n`);
  } else {
    process.stdout.write(
      sessions.length
        ? sessions.map((s) => formatSession(s, Date.now())).join('\n')
        : 'no tunnels running\n',
    );
  }
  return 0;
}

const seconds = (ms: number) => `${Math.max(0, Math.round(ms / 1000))} s`;

/** Seconds left of a lifetime that began at `since`. */
const remaining = (lifetimeSeconds: number, since: number, now: number) =>
  seconds(lifetimeSeconds * 1000 - (now - since));

export function formatSession(session: SessionRecord, now: number): string {
  const lines = [
    `tunnel "${session.profile}" to ${session.gateway} (pid ${session.pid}): ${session.state}` +
      (session.virtualIp ? `, virtual IP ${session.virtualIp}` : '') +
      (session.connectedAt ? `, up ${seconds(now - session.connectedAt)}` : ''),
    '',
    'crypto isakmp sa',
  ];
  const ike = session.ike;
  if (ike) {
    lines.push(
      `  ${session.gateway}  cookies ${ike.initiatorCookie}/${ike.responderCookie}  ${ike.encryption} ${ike.hash} group ${ike.dhGroup} ${ike.authMethod}`,
      `    lifetime ${ike.lifetimeSeconds} s, remaining ${remaining(ike.lifetimeSeconds, ike.at, now)}; NAT-T ${ike.natT.mode} (local ${ike.natT.localBehindNat ? '' : 'not '}behind NAT) port ${ike.natT.localPort} -> ${ike.natT.gatewayPort}; DPD ${ike.dpd ? 'on' : 'off'}; peer ${ike.peerId}`,
    );
  } else lines.push('  none');
  lines.push('', 'crypto ipsec sa');
  if (!session.ipsec.length) lines.push('  none');
  for (const sa of session.ipsec) {
    const counters = session.counters?.sas.find((c) => c.saId === sa.id);
    lines.push(
      `  ${sa.id}: ${sa.transform}${sa.pfsGroup ? ` PFS group ${sa.pfsGroup}` : ' no PFS'}, spi in 0x${sa.spiIn} out 0x${sa.spiOut}, rekey ${sa.rekeyCount}`,
      `    local ${sa.localSelectors.map((n) => `${n.address}/${n.prefix}`).join(' ')}  remote ${sa.remoteSelectors.map((n) => `${n.address}/${n.prefix}`).join(' ')}`,
      `    lifetime ${sa.lifetimeSeconds} s, remaining ${remaining(sa.lifetimeSeconds, sa.at, now)}`,
    );
    if (counters)
      lines.push(
        `    #pkts encaps: ${counters.packetsOut}, #pkts decaps: ${counters.packetsIn}, bytes out ${counters.bytesOut}, in ${counters.bytesIn}`,
        `    #drops: integrity ${counters.icvFailures}, replay ${counters.replayDrops}, decrypt ${counters.decryptErrors}, padding ${counters.paddingErrors}, selector ${counters.selectorDrops}, send errors ${counters.sendErrors}`,
      );
  }
  const total = session.counters?.total;
  if (total)
    lines.push(
      `  all SAs: unknown SPI ${total.noSaDrops}, no route ${total.noRouteDrops}, malformed ${total.malformedDrops}, receive errors ${total.receiveErrors}`,
    );
  lines.push(
    '',
    session.diagnosis ? diagnosisText(session.diagnosis).trimEnd() : 'diagnosis: none',
  );
  return `${lines.join('\n')}\n`;
}
