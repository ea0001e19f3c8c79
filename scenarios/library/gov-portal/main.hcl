# gov-portal: a ministry's citizen portal under attack by a hacktivist group.
# Infrastructure, scorebot and scoring. Attacks are in attacks.hcl, the
# storyline (injects and challenges) in story.hcl. See README.md.

scenario "gov-portal" {
  title       = "Hacktivists against a ministry's citizen portal"
  summary     = "Defend the Portal Ciudadano de Trámites: its DNS, its web server and the database behind it."
  description = "A hacktivist group maps the ministry's zone, guesses its way into the web server and the admin panel, defaces the portal, and steals an integration token from the database through SQL injection and an SSH tunnel."
  duration    = "2h"
  difficulty  = "beginner"
  tags        = ["government", "web", "sql-injection", "dns"]
}

# The DMZ faces the attacker; the internal network holds the database.
#
# Range containers start with every capability dropped. Each host gets what
# sshd, its service and the team's root shell need, plus NET_ADMIN and NET_RAW
# for iptables and tcpdump (see scenarios/images/README.md).
network "dmz" {}
network "interna" {}

host "ns" {
  image        = "cordillera/target-dns:1"
  description  = "Authoritative DNS (BIND 9) for mdt.gob.example. Allows zone transfers to anyone."
  networks     = [network.dmz]
  memory       = "128MiB"
  capabilities = ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "NET_ADMIN", "NET_BIND_SERVICE", "NET_RAW", "SETGID", "SETUID", "SYS_CHROOT"]
  env = {
    ACCOUNTS = "dnsadmin:${secret("ns-dnsadmin")}"
    DNS_ZONE = "mdt.gob.example"
    DNS_RECORDS = join(",", [
      "ns=${host.ns.address}",
      "tramites=${host.web.address}",
      "www=${host.web.address}",
      "intranet=${host.web.addresses.interna}",
      "db-interno=${host.db.address}",
    ])
  }

  service "dns" {
    port     = 53
    protocol = "udp"
    check "dns" {
      name   = "tramites.mdt.gob.example"
      type   = "A"
      expect = "\\b${replace(host.web.address, ".", "\\.")}\\b"
    }
  }
  # Zone transfers and large answers use TCP: block it for the attacker only.
  service "dns-tcp" {
    port = 53
    check "tcp" {}
  }
  service "ssh" {
    port = 22
    check "tcp" {
      expect = "^SSH-2\\.0-"
    }
  }
}

host "web" {
  image        = "cordillera/target-web:1"
  description  = "Portal Ciudadano de Trámites: Apache 2.4 + PHP 8.2. SQL injection in /buscar.php, Basic-auth admin panel in /admin/ with a weak password, SSH account webadmin with a weak password."
  networks     = [network.dmz, network.interna]
  memory       = "256MiB"
  capabilities = ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "NET_ADMIN", "NET_BIND_SERVICE", "NET_RAW", "SETGID", "SETUID", "SYS_CHROOT"]
  env = {
    PORTAL_APP     = "tramites"
    ACCOUNTS       = "webadmin:${weak_secret("web-ssh")}"
    ADMIN_USER     = "admin"
    ADMIN_PASSWORD = weak_secret("portal-admin")
    DB_HOST        = host.db.address
    DB_NAME        = "portal"
    DB_USER        = "portal_web"
    DB_PASSWORD    = secret("db-portal-web")
  }

  service "http" {
    port = 80
    check "http" {
      path         = "/"
      body_matches = "Portal Ciudadano"
    }
  }
  # The search must keep working: patch it, do not remove it.
  service "busqueda" {
    port = 80
    check "http" {
      path         = "/buscar.php?q=subsidio"
      body_matches = "Subsidio habitacional"
    }
  }
  service "ssh" {
    port = 22
    check "tcp" {
      expect = "^SSH-2\\.0-"
    }
  }
}

host "db" {
  image        = "cordillera/target-db:1"
  description  = "PostgreSQL 15 with the portal's database. The portal's role can read every table."
  networks     = [network.interna]
  memory       = "256MiB"
  capabilities = ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "NET_ADMIN", "NET_BIND_SERVICE", "NET_RAW", "SETGID", "SETUID", "SYS_CHROOT"]
  env = {
    ACCOUNTS            = "dba:${secret("db-dba")}"
    DB_SEED             = "gov-portal"
    PORTAL_WEB_PASSWORD = secret("db-portal-web")
    API_TOKEN           = secret("api-token")
  }

  service "postgresql" {
    port = 5432
    check "command" {
      run            = ["pg_isready", "-h", host.db.address, "-p", "5432"]
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
  networks = [network.dmz]
}

scorebot {
  round  = "30s"
  jitter = "5s"
}

scoring {
  availability {
    points_per_check = 1
    sla_failures     = 3
    sla_penalty      = 5
  }
  attack {
    blocked   = 60
    succeeded = -100
    detected  = 40
  }
  detection {
    window = "20m"
  }
  cooperation {
    shared = 25
  }
}
