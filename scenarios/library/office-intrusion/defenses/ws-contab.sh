#!/bin/sh
# office-intrusion, host ws-contab (pc-contab-07): the answer key for
# phished-credential-foothold and supplier-data-exfiltration; the decisive
# one, since every later attack waits on the foothold.
# Run as root on ws-contab (sh -s), before 0:15. Idempotent. See README.md in
# this folder.
# Env: NEW_PASSWORD, mgonzalez's new password (archivos.sh sets the same one
# on the file server: she is told it out of band).
set -eu
: "${NEW_PASSWORD:?NEW_PASSWORD must be set (the same value as for archivos.sh)}"

# phished-credential-foothold: reset the phished password, end her sessions.
printf 'mgonzalez:%s\n' "$NEW_PASSWORD" | chpasswd
pkill -KILL -u mgonzalez || true    # exit 1 when she has no process

# phished-credential-foothold, supplier-data-exfiltration: no way out to the
# beacon's port.
iptables -C OUTPUT -p tcp --dport 8443 -j REJECT 2>/dev/null ||
    iptables -A OUTPUT -p tcp --dport 8443 -j REJECT

# Remove the persistence, if it was planted.
bashrc=/home/mgonzalez/.bashrc
if [ -f "$bashrc" ] && grep -q '8443/b/' "$bashrc"; then
    sed -i '/8443\/b\//d' "$bashrc"
fi

echo "ws-contab: mgonzalez's password reset and sessions ended; outbound 8443 rejected"
