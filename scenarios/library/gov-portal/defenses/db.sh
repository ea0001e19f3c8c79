#!/bin/sh
# gov-portal, host db: the answer key for db-dump-through-tunnel and
# sqli-token-dump (least privilege), and the rotation of the portal's
# database password, which config.php and an attacker who read it both knew.
# Run as root on db (sh -s), then web.sh on web at once (the portal's search
# fails between the two). Idempotent. See README.md in this folder.
# Env: NEW_PASSWORD, the portal_web password (web.sh must get the same one).
set -eu
: "${NEW_PASSWORD:?NEW_PASSWORD must be set (the same value as for web.sh)}"

# buscar.php puts the password, unquoted, in a libpq connection string, and
# config.php in PHP single quotes: no blanks, quotes or backslashes.
case "$NEW_PASSWORD" in
    *[[:space:]\\\'\"]*) echo "NEW_PASSWORD: use no blank, quote or backslash (the portal's connection string)" >&2; exit 2 ;;
esac

# The portal needs tramites only; funcionarios holds the API token.
runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q -d portal \
    -c 'REVOKE SELECT ON funcionarios FROM portal_web;'

# Rotate the exposed password (psql quotes the variable: any character is safe).
printf '%s\n' "ALTER ROLE portal_web PASSWORD :'pw';" |
    runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q -v pw="$NEW_PASSWORD" -d portal

echo "db: portal_web may read tramites only; its password rotated"
