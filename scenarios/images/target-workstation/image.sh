# target-workstation hooks for cordillera-init (sourced, bash).

image_first_start() {
    local entry user home grp f
    local -a entries
    IFS=',' read -r -a entries <<<"${ACCOUNTS:-}"
    for entry in "${entries[@]}"; do
        user=${entry%%:*}
        [ -n "$user" ] && id "$user" >/dev/null 2>&1 || continue
        home=$(getent passwd "$user" | cut -d: -f6)
        grp=$(id -gn "$user")
        [ -d "$home" ] || continue
        # the usual /etc/skel files (useradd -m copied them), Documentos, Descargas
        for f in .bashrc .profile .bash_logout; do
            [ -e "$home/$f" ] || cp "/etc/skel/$f" "$home/$f"
        done
        mkdir -p "$home/Documentos" "$home/Descargas"
        if [ "$user" = mgonzalez ]; then
            cp -r /usr/local/share/cordillera/mgonzalez/. "$home/"
            chmod 0600 "$home/.bash_history"
        fi
        chown -R "$user:$grp" "$home"
    done
}

image_start() { :; }
