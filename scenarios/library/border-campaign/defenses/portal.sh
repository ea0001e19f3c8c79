#!/bin/sh
# border-campaign, host portal: the answer key for
# defacement-default-password. Run as root on portal (sh -s). Idempotent.
# See README.md in this folder.
# Env: NEW_PASSWORD, the new password of the /admin/ panel.
set -eu
: "${NEW_PASSWORD:?NEW_PASSWORD must be set}"

# defacement-default-password: the panel's password is no longer the
# vendor's default. Apache reads the file on every request: no reload.
htpasswd -bB /etc/apache2/portal-admin.htpasswd admin "$NEW_PASSWORD" 2>&1
echo "portal: /admin/ password changed"
