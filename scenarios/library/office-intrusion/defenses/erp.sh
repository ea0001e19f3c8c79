#!/bin/sh
# office-intrusion, host erp (srv-erp): the answer key for
# erp-lateral-movement (the second line: the password exposed in the ti
# share is rotated).
# Run as root on erp (sh -s). Idempotent. See README.md in this folder.
# Env: NEW_PASSWORD, erpadmin's new password.
set -eu
: "${NEW_PASSWORD:?NEW_PASSWORD must be set}"

printf 'erpadmin:%s\n' "$NEW_PASSWORD" | chpasswd

echo "erp: erpadmin's password rotated"
