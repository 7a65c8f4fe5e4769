#!/bin/sh
# Installs Debian's pgbouncer for the sidecar benchmark's baseline when it is missing.
set -eu
if command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "pgbouncer is missing and this is not root: install the pgbouncer package" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# No service start inside containers without an init system.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.chunkgate
chmod +x /usr/sbin/policy-rc.d.chunkgate
if [ ! -e /usr/sbin/policy-rc.d ]; then
  cp /usr/sbin/policy-rc.d.chunkgate /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
rm -f /usr/sbin/policy-rc.d.chunkgate
apt-get install -y -qq --no-install-recommends pgbouncer >/dev/null
