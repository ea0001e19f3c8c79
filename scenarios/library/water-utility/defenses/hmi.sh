#!/bin/sh
# water-utility, host hmi: the answer key for hmi-remote-access,
# chlorine-setpoint-tampering and pump-stop-through-tunnel.
# Run as root on hmi (sh -s). Idempotent. See README.md in this folder.
# SSH stays open to the DMZ: the scorebot stands for the integrator's
# support desk there.
set -eu

# hmi-remote-access, chlorine-setpoint-tampering: the integrator's account is
# for maintenance windows only. Re-enable it for a window with
#   usermod --unlock --expiredate '' integrador
usermod --lock --expiredate 1 integrador

# pump-stop-through-tunnel: no tunnels through the workstation, even with a
# valid password.
dropin=/etc/ssh/sshd_config.d/10-hardening.conf
touch "$dropin"
grep -qx 'AllowTcpForwarding no' "$dropin" || echo 'AllowTcpForwarding no' >>"$dropin"
sshd -t
service ssh reload >/dev/null

echo "hmi: integrador locked and expired; no SSH forwarding"
