#!/bin/sh
# water-utility, host portal: the answer key for portal-password-spray,
# shared-folder-credential-harvest and customer-data-theft.
# Run as root on portal (sh -s). Idempotent. See README.md in this folder.
# Env: NEW_PASSWORD, facturacion's new password.
set -eu
: "${NEW_PASSWORD:?NEW_PASSWORD must be set}"

# portal-password-spray, customer-data-theft: a billing clerk has no business
# on SSH, and gets a password that is in no common list.
dropin=/etc/ssh/sshd_config.d/10-hardening.conf
touch "$dropin"
grep -qx 'DenyUsers facturacion' "$dropin" || echo 'DenyUsers facturacion' >>"$dropin"
sshd -t
service ssh reload >/dev/null
printf 'facturacion:%s\n' "$NEW_PASSWORD" | chpasswd

# shared-folder-credential-harvest: the integrator's script, with its
# password, readable by its owner only (kept as evidence; the exposed
# password is rotated or the account locked on hmi, see hmi.sh).
script=/srv/compartido/planta/conectar-hmi.sh
if [ -e "$script" ]; then
    chmod 700 "$script"
fi

echo "portal: facturacion denied SSH and its password rotated; conectar-hmi.sh 0700"
