#!/bin/sh
# gov-portal, host ns: the answer key for dns-zone-transfer.
# Run as root on ns (sh -s). Idempotent. See README.md in this folder.
set -eu

# Zone transfers to nobody: the zone has no secondary servers.
sed -i 's/allow-transfer { any; };/allow-transfer { none; };/' /etc/bind/named.conf.local
grep -q 'allow-transfer { none; };' /etc/bind/named.conf.local
named-checkconf
rndc reload >/dev/null

echo "ns: zone transfers denied"
