// What a failure means and what to try, per stable error code, for someone who is not a
// network engineer. The engine's own message (what exactly happened) is shown beside it.
import type { ErrorCode } from '../../shared/ui/ipc.js';

export interface Explanation {
  title: string;
  hint: string;
}

const EXPLANATIONS: Record<ErrorCode, Explanation> = {
  'gateway-unreachable': {
    title: 'The gateway cannot be reached',
    hint: 'Check your internet connection and the gateway address. A firewall may block UDP ports 500 and 4500.',
  },
  'gateway-resolve-failed': {
    title: 'The gateway name is unknown',
    hint: 'Check the spelling of the gateway address, and that DNS works on this network.',
  },
  'no-proposal-chosen': {
    title: 'No common encryption settings',
    hint: 'The gateway accepts none of the proposals in this profile. An old gateway may need Legacy algorithms (3DES, SHA-1, DH group 2) turned on; ask your administrator which IKE/ESP proposals to use (Advanced settings).',
  },
  'group-psk-rejected': {
    title: 'Group name or group key rejected',
    hint: 'Check the group name and the group key (pre-shared key) your administrator gave you.',
  },
  'unknown-group': {
    title: 'The gateway does not know this group',
    hint: 'Check the group name in the profile.',
  },
  'xauth-rejected': {
    title: 'Username or password rejected',
    hint: 'Check your username and password. With a token, wait for the next code before trying again.',
  },
  'xauth-unsupported': {
    title: 'The gateway asked for an unsupported sign-in method',
    hint: 'Tell your administrator which authentication type the gateway requested (see the log).',
  },
  'modecfg-no-address': {
    title: 'The gateway gave no address',
    hint: 'The gateway’s address pool may be exhausted. Try again later or contact your administrator.',
  },
  'phase2-rejected': {
    title: 'The gateway refused the tunnel',
    hint: 'Phase 1 worked, but the gateway rejected the tunnel (phase 2) settings. Check ESP proposals and PFS in Advanced settings.',
  },
  'invalid-id': {
    title: 'The gateway rejected the identity',
    hint: 'Check the group name and the identity type in Advanced settings.',
  },
  'peer-notified-error': {
    title: 'The gateway reported an error',
    hint: 'The gateway ended the exchange; the log shows its notification.',
  },
  timeout: {
    title: 'The gateway stopped answering',
    hint: 'Check the gateway address and your connection. A firewall may block UDP 500/4500.',
  },
  'peer-dead': {
    title: 'The gateway stopped answering',
    hint: 'Dead peer detection got no reply. The network may have changed or the gateway may be down.',
  },
  'deleted-by-peer': {
    title: 'The gateway closed the connection',
    hint: 'An administrator or a gateway policy (idle or session limit) ended the session.',
  },
  'malformed-response': {
    title: 'The gateway sent something unexpected',
    hint: 'This may be an interoperability problem. Save the log and send it to your administrator.',
  },
  'credentials-missing': {
    title: 'A required credential is missing',
    hint: 'Enter every field the gateway asks for.',
  },
  'config-invalid': {
    title: 'The profile is not valid',
    hint: 'Open the profile settings and correct the highlighted field.',
  },
  'dataplane-failed': {
    title: 'The tunnel device failed',
    hint: 'Creating or using the tunnel interface failed; the app may need more privileges.',
  },
  'network-config-failed': {
    title: 'Setting up routes or DNS failed',
    hint: 'The tunnel is negotiated but the system network could not be configured. The log names the command that failed.',
  },
  'helper-unavailable': {
    title: 'The Roadwarrior system service is not running',
    hint: 'The app needs its privileged helper to create the tunnel. Start the roadwarrior-helper service (or reinstall the app) and try again.',
  },
  'helper-lost': {
    title: 'The Roadwarrior system service stopped',
    hint: 'The privileged helper that carried the tunnel went away. The app reconnects by itself once the service is back.',
  },
  'keychain-unavailable': {
    title: 'The keychain cannot be used',
    hint: 'Unlock or start your desktop keychain (Secret Service), or enter the secrets when asked.',
  },
  'gateway-cert-untrusted': {
    title: 'The gateway’s certificate is not trusted',
    hint: 'It is not signed by the CA in this profile: this may not be the real gateway. Check the CA file with your administrator before trying again.',
  },
  'gateway-cert-expired': {
    title: 'The gateway’s certificate is not valid now',
    hint: 'Check this computer’s date and time; if they are right, the gateway certificate has expired: tell the administrator.',
  },
  'gateway-id-mismatch': {
    title: 'The gateway’s certificate names another gateway',
    hint: 'Check the gateway address and the gateway identity in the profile.',
  },
  'client-cert-rejected': {
    title: 'The gateway did not accept your certificate',
    hint: 'Ask the administrator whether your certificate is still valid and issued by a CA the gateway trusts.',
  },
  'certificate-unusable': {
    title: 'A certificate or key file cannot be used',
    hint: 'The message names the file and the problem (missing, a PKCS#12 file to convert, a key that does not match, a wrong passphrase).',
  },
  'gateway-redirected': {
    title: 'The gateway cluster kept redirecting',
    hint: 'Each gateway of the cluster sent the connection on to another one. Tell your administrator (see the log for the addresses).',
  },
  cancelled: { title: 'Cancelled', hint: '' },
  internal: {
    title: 'Something went wrong inside Roadwarrior',
    hint: 'Save the log and report it.',
  },
};

export function explain(code: ErrorCode): Explanation {
  return EXPLANATIONS[code];
}
