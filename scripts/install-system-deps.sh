#!/usr/bin/env bash
# System packages for the demo and the tests (Debian/Ubuntu). Idempotent and quick when
# everything is present; that check needs no privilege. Installing needs root: root installs
# directly (a fresh Debian has no sudo), anyone else through sudo.
set -euo pipefail
packages=(
  # the throwaway head-end: strongSwan with its userspace ESP plugin (the kernel has no ESP)
  strongswan-charon strongswan-swanctl libcharon-extra-plugins libcharon-extauth-plugins
  libstrongswan-standard-plugins libstrongswan-extra-plugins
  # lab plumbing, captures, reference client and throughput
  iproute2 nftables iputils-ping tshark tcpdump iperf3 vpnc vpnc-scripts
  # native addons (TUN, keytar) and a headless Secret Service for keychain tests
  build-essential python3 libsecret-1-dev dbus gnome-keyring libsecret-tools
  # renderer end-to-end tests
  chromium
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" != 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "missing system packages (${missing[*]}); installing them needs root and sudo is not installed: run this as root" >&2
    exit 1
  fi
  exec sudo -- bash "$0"
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
