#!/bin/sh
# gov-portal, host web: the answer key for ssh-password-guessing,
# credentials-in-files, db-dump-through-tunnel, admin-password-guessing,
# portal-defacement, sqli-token-dump and ssh-return-with-stolen-password.
# Run as root on web (sh -s), right after db.sh. Idempotent. See README.md in
# this folder.
# Env: NEW_PASSWORD, the new password of webadmin, of the /admin/ panel and of
# the database role portal_web (db.sh must get the same one).
set -eu
: "${NEW_PASSWORD:?NEW_PASSWORD must be set (the same value as for db.sh)}"

# buscar.php puts the password, unquoted, in a libpq connection string, and
# config.php in PHP single quotes: no blanks, quotes or backslashes.
case "$NEW_PASSWORD" in
    *[[:space:]\\\'\"]*) echo "NEW_PASSWORD: use no blank, quote or backslash (the portal's connection string)" >&2; exit 2 ;;
esac

portal=/var/www/portal

# Rewrites file $1 with the awk program $2, keeping it only if it then
# contains the fixed string $3; mode and owner are set by the caller.
rewrite() {
    tmp=$(mktemp /var/www/.defense.XXXXXX)
    awk "$2" "$1" >"$tmp"
    if ! grep -qF -- "$3" "$tmp"; then
        rm -f "$tmp"
        echo "web: could not patch $1" >&2
        exit 1
    fi
    mv "$tmp" "$1"
}

# ssh-password-guessing, ssh-return-with-stolen-password: a password that is
# in no list.
printf 'webadmin:%s\n' "$NEW_PASSWORD" | chpasswd

# db-dump-through-tunnel: no port forwarding through SSH (a drop-in: sshd
# keeps the first value it reads).
dropin=/etc/ssh/sshd_config.d/10-hardening.conf
touch "$dropin"
grep -qx 'AllowTcpForwarding no' "$dropin" || echo 'AllowTcpForwarding no' >>"$dropin"
sshd -t
service ssh reload >/dev/null

# db-dump-through-tunnel: the portal follows the database password db.sh
# set. awk reads it from the environment: no character needs escaping for
# the shell or sed.
rewrite "$portal/config.php" '
    BEGIN { pw = ENVIRON["NEW_PASSWORD"] }
    /^\$db_password[ \t]*=/ { print "$db_password = \047" pw "\047;"; next }
    { print }' '$db_password = '"'"
# credentials-in-files: Apache (www-data) reads the configuration, webadmin
# and every other local user get "Permission denied".
chown root:www-data "$portal/config.php"
chmod 640 "$portal/config.php"

# admin-password-guessing, portal-defacement: a new panel password (Apache
# reads the file on every request: no reload).
htpasswd -bB /etc/apache2/portal-admin.htpasswd admin "$NEW_PASSWORD" >/dev/null 2>&1 ||
    { echo "web: htpasswd failed" >&2; exit 1; }

# sqli-token-dump: a parameterised query; the search keeps working.
rewrite "$portal/buscar.php" '
    $0 == "$res = @pg_query($db, \"SELECT titulo, descripcion FROM tramites WHERE titulo ILIKE \047%\" . $q . \"%\047 ORDER BY titulo\");" {
        print "$res = @pg_query_params($db, \"SELECT titulo, descripcion FROM tramites WHERE titulo ILIKE $1 ORDER BY titulo\", [\047%\047 . $q . \047%\047]);"
        next
    }
    { print }' '@pg_query_params($db, "SELECT titulo, descripcion FROM tramites WHERE titulo ILIKE $1 ORDER BY titulo"'
chown root:root "$portal/buscar.php"
chmod 644 "$portal/buscar.php"
if grep -qF '@pg_query($db' "$portal/buscar.php"; then
    echo "web: buscar.php still builds its query from the input" >&2
    exit 1
fi

echo "web: passwords rotated; config.php 0640 root:www-data; no SSH forwarding; search parameterised"
