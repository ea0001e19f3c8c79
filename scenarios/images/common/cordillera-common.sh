# Common part of every target image's entry point (sourced by cordillera-init).
# See scenarios/images/README.md, "Common to every target-* image".
# Identical copies live in each target-* folder: keep them in sync.

log() { echo "cordillera-init: $*"; }

# ACCOUNTS: comma-separated USER:PASSWORD[:GROUP[+GROUP...]]
cordillera_accounts() {
    local entry user pass groups g
    [ -n "${ACCOUNTS:-}" ] || return 0
    local IFS_SAVE="$IFS"
    IFS=','
    for entry in $ACCOUNTS; do
        IFS="$IFS_SAVE"
        [ -n "$entry" ] || continue
        user="${entry%%:*}"
        pass="${entry#*:}"
        groups=""
        case "$pass" in
            *:*) groups="${pass#*:}"; pass="${pass%%:*}" ;;
        esac
        groups="${groups//+/,}"
        local gopt=()
        if [ -n "$groups" ]; then
            local extra=()
            IFS=','
            for g in $groups; do
                [ -n "$g" ] || continue
                if [ "$g" = "$user" ]; then continue; fi
                getent group "$g" >/dev/null || groupadd "$g"
                extra+=("$g")
            done
            IFS="$IFS_SAVE"
            if [ ${#extra[@]} -gt 0 ]; then
                gopt=(-G "$(IFS=','; echo "${extra[*]}")")
            fi
        fi
        if ! id "$user" >/dev/null 2>&1; then
            if getent group "$user" >/dev/null; then
                useradd -m -s /bin/bash -g "$user" "${gopt[@]}" "$user"
            else
                useradd -m -s /bin/bash "${gopt[@]}" "$user"
            fi
        elif [ ${#gopt[@]} -gt 0 ]; then
            usermod -a "${gopt[@]}" "$user"
        fi
        echo "$user:$pass" | chpasswd
        if command -v smbpasswd >/dev/null 2>&1; then
            printf '%s\n%s\n' "$pass" "$pass" | smbpasswd -a -s "$user" >/dev/null
        fi
        log "account $user"
        IFS=','
    done
    IFS="$IFS_SAVE"
}

# SEED_*: first line "PATH MODE OWNER[:GROUP]", then the content.
cordillera_seeds() {
    local var value header path mode owner dir
    for var in $(compgen -e | grep '^SEED_' || true); do
        value="${!var}"
        header="${value%%$'\n'*}"
        read -r path mode owner <<<"$header"
        if [ -z "$path" ] || [ -z "$mode" ] || [ -z "$owner" ]; then
            log "skipping $var: bad header '$header'"
            continue
        fi
        if [ "$value" = "$header" ]; then
            value=""
        else
            value="${value#*$'\n'}"
        fi
        dir="$(dirname "$path")"
        if [ ! -d "$dir" ]; then
            # Missing parent folders are made 0755 root:root.
            local missing=() d="$dir"
            while [ ! -d "$d" ]; do missing+=("$d"); d="$(dirname "$d")"; done
            mkdir -p "$dir"
            for d in "${missing[@]}"; do chmod 0755 "$d"; chown root:root "$d"; done
        fi
        if [ -n "$value" ] && [ "${value: -1}" != $'\n' ]; then
            value+=$'\n'
        fi
        printf '%s' "$value" > "$path"
        chmod "$mode" "$path"
        chown "$owner" "$path"
        log "seeded $path ($var)"
    done
}

cordillera_common_first_start() {
    cordillera_accounts
    cordillera_seeds
}

cordillera_common_start() {
    ssh-keygen -A >/dev/null
    mkdir -p /run/sshd
    service rsyslog start || true
    service ssh start || true
}
