# border-campaign: one adversary, two countries, three minutes apart.
# Colectivo Quimera defaces the Portal Ciudadano of every ministry that runs
# it, with the vendor's default password for the admin panel: Chile's teams
# first, Colombia's three minutes later. A Chilean team that shares the
# indicator in time gives its Colombian partners the head start to close the
# hole. Infrastructure here; the attack in attacks.hcl, injects and the
# challenge in story.hcl. See README.md.

scenario "border-campaign" {
  title       = "Campaña binacional: la clave de fábrica del Portal Ciudadano"
  summary     = "Un mismo adversario desfigura el Portal Ciudadano en Chile y, tres minutos después, en Colombia: el indicador compartido a tiempo le da ventaja al socio."
  description = "Colectivo Quimera publica un aviso falso en el Portal Ciudadano de Trámites entrando al panel /admin/ con la clave de fábrica del proveedor, la misma en cada ministerio que compró el portal. Ataca primero a los equipos de Chile y, tres minutos después, a los de Colombia. Los equipos chilenos deben detectarlo y compartir el indicador con sus socios colombianos; los colombianos, actuar sobre el indicador recibido antes de que llegue su turno."
  duration    = "10m"
  difficulty  = "beginner"
  tags        = ["bilateral", "cooperation", "web", "default-credentials"]
}

network "dmz" {}

# Range containers start with every capability dropped: the portal gets what
# sshd, Apache and the team's root shell need, plus NET_ADMIN and NET_RAW for
# iptables and tcpdump (see scenarios/images/README.md).
host "portal" {
  image        = "cordillera/target-web:1"
  description  = "Portal Ciudadano de Trámites: Apache 2.4 + PHP 8.2. El panel /admin/ conserva la clave de fábrica del proveedor."
  networks     = [network.dmz]
  memory       = "256MiB"
  capabilities = ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "NET_ADMIN", "NET_BIND_SERVICE", "NET_RAW", "SETGID", "SETUID", "SYS_CHROOT"]
  env = {
    PORTAL_APP = "tramites"
    ACCOUNTS   = "webadmin:${secret("portal-ssh")}"
    ADMIN_USER = "admin"
    # The vendor's default password: the same in every country's portal,
    # which is why one indicator protects the partner.
    ADMIN_PASSWORD = "Tramites2024"
  }

  service "http" {
    port = 80
    check "http" {
      path         = "/"
      body_matches = "Portal Ciudadano"
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

scoring {
  cooperation {
    shared = 30
  }
}
