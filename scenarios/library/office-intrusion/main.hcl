# office-intrusion: a phished accounting workstation becomes the way into the
# file server, and from there to the ERP server that pays suppliers.
# Infrastructure, scorebot and scoring here; attacks in attacks.hcl;
# injects and challenges in story.hcl. See README.md.

scenario "office-intrusion" {
  title       = "From a phished workstation to the payments server"
  summary     = "Contain a phished workstation before the intruder reuses its credentials across the file server and reaches the ERP."
  description = "An accountant gave her password to a phishing page. The intruder logs into her workstation, plants a beacon, reuses her password over SMB, FTP and SSH on the file server, finds the ERP administrator's password in the IT share, tunnels to the ERP, and exfiltrates the supplier bank-account file."
  duration    = "2h"
  difficulty  = "intermediate"
  tags        = ["enterprise", "lateral-movement", "credential-reuse", "exfiltration", "energy"]
}

# The office LAN holds the workstations and the file server's front leg; the
# server network holds the ERP, reachable only through the file server. The
# attacker sits in the office LAN: it stands for the intruder operating the
# phished workstation, and every lateral step is launched from that
# workstation.
#
# Range containers start with every capability dropped. Each host gets what
# its daemons and the team's root shell need, plus NET_ADMIN and NET_RAW for
# iptables and tcpdump (see scenarios/images/README.md).
network "oficina" {}
network "servidores" {}

host "ws-contab" {
  image        = "cordillera/target-workstation:1"
  hostname     = "pc-contab-07"
  description  = "Debian workstation of María González (accounting). SSH open for IT support. Her password was phished."
  networks     = [network.oficina]
  memory       = "192MiB"
  capabilities = ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "NET_ADMIN", "NET_BIND_SERVICE", "NET_RAW", "SETGID", "SETUID", "SYS_CHROOT"]
  env = {
    ACCOUNTS = "mgonzalez:${secret("mgonzalez")}:contabilidad"
  }

  service "ssh" {
    port = 22
    check "tcp" {
      expect = "^SSH-2\\.0-"
    }
  }
}

host "archivos" {
  image        = "cordillera/target-files:1"
  hostname     = "srv-archivos"
  description  = "File server: Samba shares contabilidad and ti, vsftpd for the scanners, SSH. Same accounts and passwords as the workstations. The ti share is open to every user and holds the ERP's admin password."
  networks     = [network.oficina, network.servidores]
  memory       = "256MiB"
  capabilities = ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "NET_ADMIN", "NET_BIND_SERVICE", "NET_RAW", "SETGID", "SETUID", "SYS_CHROOT"]
  env = {
    ACCOUNTS = join(",", [
      "mgonzalez:${secret("mgonzalez")}:contabilidad",
      "jrojas:${secret("jrojas")}:ti",
      "monitoreo:${secret("archivos-monitoreo")}:contabilidad",
    ])
    SEED_ERP_ACCESO = <<-EOT
      /srv/archivos/ti/inventario/erp-acceso.txt 0644 jrojas:ti
      ERP Pagos - acceso de administracion (no compartir)
      servidor: ${host.erp.address} (red de servidores, entrar via srv-archivos)
      usuario:  erpadmin
      clave:    ${secret("erp-admin")}
    EOT
  }

  # Up means a user can list the accounting share with the monitoring account.
  service "smb" {
    port = 445
    check "command" {
      run            = ["smbclient", "//${host.archivos.address}/contabilidad", "-U", "monitoreo%${secret("archivos-monitoreo")}", "-c", "ls"]
      output_matches = "Pagos"
    }
  }
  service "ftp" {
    port = 21
    check "tcp" {
      expect = "^220"
    }
  }
  service "ssh" {
    port = 22
    check "tcp" {
      expect = "^SSH-2\\.0-"
    }
  }
}

host "erp" {
  image        = "cordillera/target-db:1"
  hostname     = "srv-erp"
  description  = "ERP payments server: PostgreSQL with the supplier payments database, SSH for its administrator."
  networks     = [network.servidores]
  memory       = "256MiB"
  capabilities = ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "NET_ADMIN", "NET_BIND_SERVICE", "NET_RAW", "SETGID", "SETUID", "SYS_CHROOT"]
  env = {
    ACCOUNTS = "erpadmin:${secret("erp-admin")}"
    DB_SEED  = "office-intrusion"
  }

  service "postgresql" {
    port = 5432
    check "command" {
      run            = ["pg_isready", "-h", host.erp.address, "-p", "5432"]
      output_matches = "accepting connections"
    }
  }
  service "ssh" {
    port = 22
    check "tcp" {
      expect = "^SSH-2\\.0-"
    }
  }
}

attacker "red" {
  image    = "cordillera/attacker:1"
  networks = [network.oficina]
}

scorebot {
  round  = "30s"
  jitter = "5s"
}

scoring {
  attack {
    blocked   = 50
    succeeded = -100
    detected  = 50
  }
  detection {
    window       = "30m"
    min_fraction = 0.5
  }
  injects {
    late_penalty = 0.3
  }
  challenges {
    first_solve_bonus = 10
  }
}
