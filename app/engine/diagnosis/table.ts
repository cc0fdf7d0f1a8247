// Each diagnosis code once: its cause in one plain sentence, the step of the connection it is
// in, and what to try. The evidence (what exactly was seen) comes from the diagnoser.
import type { DiagnosisCode, ErrorCode, Phase } from '../../shared/events.js';

export interface DiagnosisEntry {
  cause: string;
  phase: Phase;
  next: string;
}

export const DIAGNOSES: Record<DiagnosisCode, DiagnosisEntry> = {
  'name-unresolved': {
    cause: 'The gateway name does not resolve to an address.',
    phase: 'session',
    next: 'Check the spelling of the gateway name, and that DNS works on this network (try its IP address).',
  },
  'no-answer': {
    cause:
      'The gateway does not answer our first message: it is down, the address is wrong, or UDP port 500 is blocked on the way.',
    phase: 'phase1',
    next: 'Check the gateway address; try from another network (a hotel or guest network may block UDP 500); ask whether the gateway is up.',
  },
  'icmp-unreachable': {
    cause: 'The network reports the gateway unreachable for our IKE packets (ICMP unreachable).',
    phase: 'phase1',
    next: 'The gateway address or port is wrong, or a firewall rejects UDP 500: check the address and ask the network administrator.',
  },
  'phase1-no-proposal': {
    cause: 'The gateway accepts none of the phase 1 proposals we offered (cipher, hash, DH group).',
    phase: 'phase1',
    next: 'Ask the administrator which IKE proposal the gateway uses and add it to the profile (or set legacy: true for an old gateway).',
  },
  'group-psk-wrong': {
    cause: 'The group key (pre-shared key) is wrong: the gateway and we do not prove the same key.',
    phase: 'phase1',
    next: 'Re-enter the group key exactly as the administrator gave it (it is case-sensitive), and check the group name.',
  },
  'unknown-group': {
    cause: 'The gateway does not know this group name.',
    phase: 'phase1',
    next: 'Check the group name in the profile (it is case-sensitive) and the identity type.',
  },
  'xauth-rejected': {
    cause: 'The gateway rejected the username or password (XAuth).',
    phase: 'xauth',
    next: 'Check the username and password; with a token, wait for the next code. Repeated failures may lock the account.',
  },
  'no-address': {
    cause:
      'The gateway gave us no address (Mode Config): no pool for this group, or the pool is exhausted.',
    phase: 'modecfg',
    next: 'Ask the administrator to check the address pool for this group; try again later if it is full.',
  },
  'udp-4500-blocked': {
    cause:
      'UDP port 4500 is blocked: the gateway answers on UDP 500 but nothing passes on 4500 after the switch to NAT traversal.',
    phase: 'phase1',
    next: 'A firewall on this network blocks UDP 4500: try another network, or ask the network administrator to allow UDP 4500 to the gateway.',
  },
  'phase2-refused': {
    cause:
      'Phase 1 succeeded, but the gateway refused our phase 2 (Quick Mode) proposals: ESP transform or PFS mismatch.',
    phase: 'phase2',
    next: 'Ask the administrator which ESP transform and PFS group the gateway uses for this group, and set them in the profile (ESP proposals, PFS).',
  },
  'esp-blocked': {
    cause:
      'The tunnel is up but carries nothing: our encrypted packets get no answer while the gateway still answers IKE, so ESP-in-UDP is blocked on the way.',
    phase: 'dataplane',
    next: 'A firewall on this network drops the tunnel traffic (UDP 4500 data): try another network. If only one host fails to answer, check that host instead.',
  },
  'peer-dead': {
    cause: 'The gateway stopped answering (dead peer detection got no reply).',
    phase: 'session',
    next: 'The network changed or the gateway went down: check your connection and reconnect; if it persists, ask whether the gateway is up.',
  },
  'sas-deleted': {
    cause: 'The gateway deleted our security associations and closed the connection.',
    phase: 'session',
    next: 'An administrator or a gateway policy (idle time, session limit) ended the session: reconnect, and ask the administrator if it repeats.',
  },
  'gateway-restarted': {
    cause: 'The gateway restarted and no longer knows our connection.',
    phase: 'session',
    next: 'Reconnect: the gateway lost its state when it restarted.',
  },
  'network-setup-failed': {
    cause: 'The tunnel was negotiated, but setting up the network on this computer failed.',
    phase: 'network',
    next: 'Check that the Roadwarrior helper service runs and may create TUN devices; the log names the step or script that failed.',
  },
  'helper-unavailable': {
    cause:
      'The Roadwarrior helper service, which sets up the tunnel for a user who is not root, cannot be reached or went away.',
    phase: 'network',
    next: 'Start the helper service (systemctl start roadwarrior-helper.socket), ask an administrator to add you to the roadwarrior group, or run as root; the evidence names the socket and the error.',
  },
  'keychain-unavailable': {
    cause: 'The keychain holding this profile’s secrets cannot be used.',
    phase: 'session',
    next: 'Unlock or start the desktop keychain (Secret Service), or enter the secrets when asked.',
  },
  'auth-unsupported': {
    cause: 'The gateway asked for a way of signing in that Roadwarrior does not support.',
    phase: 'xauth',
    next: 'Tell the administrator which authentication type the gateway requested (shown in the evidence).',
  },
  'gateway-cert-untrusted': {
    cause:
      'The gateway’s certificate is not signed by the CA this profile trusts: it may not be the real gateway.',
    phase: 'phase1',
    next: 'Do not retry on this network until you know why. Check that the profile’s CA file is the one your administrator gave you; if it is, report the evidence to the administrator.',
  },
  'gateway-cert-expired': {
    cause:
      'The gateway’s certificate (or its CA’s) is outside its validity period: expired, or not valid yet.',
    phase: 'phase1',
    next: 'Check this computer’s date and time; if they are right, tell the administrator that the gateway certificate has expired.',
  },
  'gateway-cert-revoked': {
    cause:
      'The gateway’s certificate, or a CA certificate above it, has been revoked by its CA: whoever shows it may not be the real gateway.',
    phase: 'phase1',
    next: 'Do not connect on this network until you know why. Tell the administrator: if the gateway has a new certificate, your profile’s CRL file and gateway are out of step; if not, its key may be compromised.',
  },
  'gateway-cert-revocation-unknown': {
    cause:
      'This profile requires a current revocation list (CRL) for the gateway’s certificate, and its CRL file has none: the file is out of date or from another CA.',
    phase: 'phase1',
    next: 'Ask the administrator for a current CRL file (or an updated profile); until then this profile does not connect.',
  },
  'gateway-id-mismatch': {
    cause:
      'The gateway’s certificate is trusted but made out to another name than the one this profile expects.',
    phase: 'phase1',
    next: 'Check the gateway address and the profile’s gateway identity (gatewayId) against what the administrator gave you.',
  },
  'client-cert-rejected': {
    cause: 'The gateway did not accept our certificate or its signature.',
    phase: 'phase1',
    next: 'Ask the administrator whether your certificate is issued by a CA the gateway trusts, still valid and not revoked; check that the profile uses the right certificate and key.',
  },
  'certificate-unusable': {
    cause: 'A certificate or key file of this profile cannot be used.',
    phase: 'session',
    next: 'The evidence names the file and the problem (missing, neither PEM nor PKCS#12, a PKCS#12 file in an old cipher to re-export, key not matching the certificate, wrong passphrase).',
  },
  'redirect-loop': {
    cause:
      'The gateway cluster keeps redirecting us: each member it named sent the connection on to another (Cisco load balancing).',
    phase: 'phase1',
    next: 'Tell the administrator: the cluster’s load balancing sends every connection on (the log names each member); connecting to one member directly may work meanwhile.',
  },
};

/** The diagnosis an engine failure stands for on its own, when no earlier evidence says more. */
export const DIAGNOSIS_OF_ERROR: Partial<Record<ErrorCode, DiagnosisCode>> = {
  'gateway-resolve-failed': 'name-unresolved',
  'gateway-unreachable': 'no-answer',
  'no-proposal-chosen': 'phase1-no-proposal',
  'group-psk-rejected': 'group-psk-wrong',
  'unknown-group': 'unknown-group',
  'xauth-rejected': 'xauth-rejected',
  'xauth-unsupported': 'auth-unsupported',
  'modecfg-no-address': 'no-address',
  'phase2-rejected': 'phase2-refused',
  'invalid-id': 'phase2-refused',
  'peer-dead': 'peer-dead',
  'deleted-by-peer': 'sas-deleted',
  'network-config-failed': 'network-setup-failed',
  'dataplane-failed': 'network-setup-failed',
  'helper-unavailable': 'helper-unavailable',
  'helper-lost': 'helper-unavailable',
  'keychain-unavailable': 'keychain-unavailable',
  'gateway-cert-untrusted': 'gateway-cert-untrusted',
  'gateway-cert-expired': 'gateway-cert-expired',
  'gateway-cert-revoked': 'gateway-cert-revoked',
  'gateway-cert-revocation-unknown': 'gateway-cert-revocation-unknown',
  'gateway-id-mismatch': 'gateway-id-mismatch',
  'client-cert-rejected': 'client-cert-rejected',
  'certificate-unusable': 'certificate-unusable',
  'gateway-redirected': 'redirect-loop',
};
