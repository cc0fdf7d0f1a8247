// NODE_EXTRA_CA_CERTS around the snapshot CLI's startup. Node parses the certificates it names
// as it starts (1.5 MiB of peak RSS for Debian's bundle of 144), although the CLI opens no TLS
// connection. So the launcher (build/bundle-cli.mjs) sets the variable aside before node starts,
// and the CLI puts it back first thing, for the programs it starts (vpnc-script, vite).

/** Where the launcher keeps the value while node starts. */
const SET_ASIDE = 'ROADWARRIOR_NODE_EXTRA_CA_CERTS';

/** The launcher's sh lines: the variable set aside if it is set (even empty). */
export const SET_ASIDE_IN_SH = `if [ -n "\${NODE_EXTRA_CA_CERTS+set}" ]; then
  export ${SET_ASIDE}="$NODE_EXTRA_CA_CERTS"
  unset NODE_EXTRA_CA_CERTS
fi`;

/** NODE_EXTRA_CA_CERTS back in `env` as the launcher found it. */
export function restoreExtraCaCerts(env = process.env) {
  const value = env[SET_ASIDE];
  if (value === undefined) return;
  env.NODE_EXTRA_CA_CERTS = value;
  delete env[SET_ASIDE];
}
