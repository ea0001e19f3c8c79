# water-utility: a ransomware crew goes from a municipal water utility's
# billing portal to its chlorine dosing. Infrastructure, scorebot and scoring
# here; attacks in attacks.hcl; injects and challenges in story.hcl.
# See README.md.

scenario "water-utility" {
  title       = "Ransomware pressure on a municipal water utility"
  summary     = "Defend the billing portal and the treatment plant's control network."
  description = "A ransomware crew sprays passwords on the customer portal, steals the customer database, finds the SCADA integrator's remote-access credentials in a shared folder, and uses the engineering workstation to change the chlorine dosing setpoint and stop a pump."
  duration    = "2h"
  difficulty  = "intermediate"
  tags        = ["critical-infrastructure", "ics", "water", "modbus"]
}

# The DMZ faces the attacker. The OT network holds the PLC; the HMI /
# engineering workstation has a leg in each, for the integrator's remote
# support: the weakness the drill is about.
#
# Range containers start with every capability dropped. Each host gets what
# its daemons and the team's root shell need (see scenarios/images/README.md);
# the PLC gets no NET_ADMIN: a PLC has no firewall.
network "dmz" {}
network "ot" {}

host "portal" {
  image        = "cordillera/target-web:1"
  description  = "Oficina Virtual (customer billing portal), Apache + PHP, and SSH for staff. Account facturacion has a weak password; a world-readable script holds the integrator's HMI password."
  networks     = [network.dmz]
  memory       = "256MiB"
  capabilities = ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "NET_ADMIN", "NET_BIND_SERVICE", "NET_RAW", "SETGID", "SETUID", "SYS_CHROOT"]
  env = {
    PORTAL_APP        = "oficina-virtual"
    ACCOUNTS          = "facturacion:${weak_secret("portal-facturacion")}:facturacion,soporte:${secret("portal-soporte")}"
    SEED_CONECTAR_HMI = <<-EOT
      /srv/compartido/planta/conectar-hmi.sh 0755 soporte:soporte
      #!/bin/sh
      # Soporte remoto Hidrosistemas Ltda. - estacion de ingenieria de la planta
      # Uso: ./conectar-hmi.sh   (avisar a soporte@ antes de conectarse)
      exec sshpass -p '${secret("hmi-integrador")}' ssh integrador@${host.hmi.addresses.dmz}
    EOT
  }

  service "http" {
    port = 80
    check "http" {
      path         = "/"
      body_matches = "Oficina Virtual"
    }
  }
  service "ssh" {
    port = 22
    check "tcp" {
      expect = "^SSH-2\\.0-"
    }
  }
}

host "hmi" {
  image        = "cordillera/target-hmi:1"
  hostname     = "hmi-planta"
  description  = "HMI and engineering workstation of the treatment plant: web HMI on 8080, mbpoll and pymodbus, SSH for the integrator's remote support from the DMZ."
  networks     = [network.dmz, network.ot]
  memory       = "256MiB"
  capabilities = ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "NET_ADMIN", "NET_BIND_SERVICE", "NET_RAW", "SETGID", "SETUID", "SYS_CHROOT"]
  env = {
    ACCOUNTS = "operador:${secret("hmi-operador")},integrador:${secret("hmi-integrador")}"
    PLC_HOST = host.plc.address
    PLC_PORT = "502"
    PLC_UNIT = "1"
  }

  service "hmi-web" {
    port = 8080
    check "http" {
      path         = "/"
      body_matches = "Estado PLC: EN LINEA"
    }
  }
  service "ssh" {
    port = 22
    check "tcp" {
      expect = "^SSH-2\\.0-"
    }
  }
}

host "plc" {
  image        = "cordillera/target-plc:1"
  hostname     = "plc-cloracion"
  description  = "Simulated PLC of the chlorination and pumping station, Modbus/TCP on 502, no authentication. Logs every write to /var/log/plc/modbus.log."
  networks     = [network.ot]
  memory       = "128MiB"
  capabilities = ["NET_BIND_SERVICE"]

  # Up means answering Modbus with the chlorine setpoint (holding register 3,
  # tenths of mg/L) in the safe band 0.8-2.0 mg/L.
  service "modbus" {
    port = 502
    check "command" {
      run            = ["mbpoll", "-m", "tcp", "-a", "1", "-0", "-t", "4", "-r", "3", "-c", "1", "-1", "-o", "2", host.plc.address]
      output_matches = "(?m)^\\[3\\]:\\s+([89]|1[0-9]|20)\\s*$"
    }
  }
}

attacker "red" {
  image    = "cordillera/attacker:1"
  networks = [network.dmz]
}

scorebot {
  round  = "30s"
  jitter = "5s"
}

scoring {
  # A plant out of its safe band costs more, and sooner, than a web page.
  availability {
    points_per_check = 1
    sla_failures     = 2
    sla_penalty      = 10
  }
  attack {
    blocked   = 50
    succeeded = -150
    detected  = 40
  }
  injects {
    late_penalty = 0.5
  }
  cooperation {
    shared = 25
  }
  weights {
    defense = 1.5
  }
}
