# target-hmi hooks for cordillera-init (sourced, bash).

image_first_start() {
    # The HMI program's settings, from the env (service(8) clears the env,
    # so the init script reads them from here).
    cat >/etc/default/hmi-web <<EOT
# Web HMI settings (written by cordillera-init on the first start)
PLC_HOST=${PLC_HOST:-127.0.0.1}
PLC_PORT=${PLC_PORT:-502}
PLC_UNIT=${PLC_UNIT:-1}
HMI_PORT=8080
EOT
    chmod 0644 /etc/default/hmi-web
}

image_start() {
    service hmi-web start
}
