# target-files hooks for cordillera-init (sourced, bash).
HAS_SAMBA=yes

image_first_start() {
    mkdir -p /var/log/samba /var/run/vsftpd/empty
    touch /var/log/vsftpd.log
}

image_start() {
    mkdir -p /var/run/vsftpd/empty /run/samba
    service smbd start
    service vsftpd start
}
