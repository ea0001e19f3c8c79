#!/bin/sh
# office-intrusion, host archivos (srv-archivos): the answer key for
# smb-share-credential-theft, ftp-credential-reuse and erp-lateral-movement.
# Run as root on archivos (sh -s). Idempotent. See README.md in this folder.
# The monitoring account keeps listing the contabilidad share, FTP keeps
# greeting: the scorebot checks both.
# Env: NEW_PASSWORD, mgonzalez's new password (the same as for ws-contab.sh).
set -eu
: "${NEW_PASSWORD:?NEW_PASSWORD must be set (the same value as for ws-contab.sh)}"

# smb-share-credential-theft: the phished password, on the file server too;
# Samba keeps its own.
printf 'mgonzalez:%s\n' "$NEW_PASSWORD" | chpasswd
printf '%s\n%s\n' "$NEW_PASSWORD" "$NEW_PASSWORD" | smbpasswd -s mgonzalez >/dev/null

# smb-share-credential-theft: the ti share is for IT only...
if ! sed -n '/^\[ti\]/,/^\[/p' /etc/samba/smb.conf | grep -q '^[[:space:]]*valid users[[:space:]]*=[[:space:]]*@ti[[:space:]]*$'; then
    sed -i '/^\[ti\]/a\   valid users = @ti' /etc/samba/smb.conf
fi
testparm -s >/dev/null 2>&1
smbcontrol all reload-config
# ...and on disk, which also covers FTP and SSH (ftp-credential-reuse).
chmod -R o-rwx /srv/archivos/ti

# ftp-credential-reuse: FTP users are jailed in their home.
if grep -q '^chroot_local_user=NO$' /etc/vsftpd.conf; then
    sed -i 's/^chroot_local_user=NO$/chroot_local_user=YES\nallow_writeable_chroot=YES/' /etc/vsftpd.conf
    service vsftpd restart >/dev/null
fi
grep -q '^chroot_local_user=YES$' /etc/vsftpd.conf

# erp-lateral-movement: office users need files, not shells, and nobody
# needs tunnels.
dropin=/etc/ssh/sshd_config.d/10-hardening.conf
touch "$dropin"
grep -qx 'AllowGroups ti' "$dropin" || echo 'AllowGroups ti' >>"$dropin"
grep -qx 'AllowTcpForwarding no' "$dropin" || echo 'AllowTcpForwarding no' >>"$dropin"
sshd -t
service ssh reload >/dev/null

echo "archivos: mgonzalez's passwords reset; ti for IT only; FTP jailed; SSH for ti, no forwarding"
