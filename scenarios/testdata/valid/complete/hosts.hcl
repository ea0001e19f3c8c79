host "portal" {
  image        = "cordillera/target-web:1"
  hostname     = "portal-${0 + 1}"
  description  = "The citizens' portal."
  networks     = [network.dmz, network.uplink]
  memory       = "128MiB"
  cpus         = 0.25
  pids         = 128
  capabilities = ["NET_ADMIN", "cap_net_raw"]
  shell        = "/bin/sh"
  env = {
    ADMIN_PASSWORD = secret("portal-admin")
    WEAK_PASSWORD  = weak_secret("portal-ssh")
    TEAM           = "${team.name} (${upper(team.country)})"
    DB_HOST        = host.db.address
  }
  command = ["/usr/sbin/portal", "--listen", ":80"]

  service "http" {
    port = 80
    check "http" {
      path          = "/health"
      method        = "GET"
      scheme        = "http"
      host_header   = "portal.example"
      expect_status = 200
      body_matches  = "ok|healthy"
      timeout       = "3s"
    }
  }
  service "ssh" {
    port = 22
    check "tcp" {
      expect = "^SSH-2\\.0"
    }
  }
  service "dns" {
    port     = 53
    protocol = "udp"
    check "dns" {
      name   = "portal.example"
      type   = "A"
      expect = host.portal.address
    }
  }
}

host "db" {
  build {
    context    = "images/target-db"
    dockerfile = "Dockerfile"
    args = {
      VERSION = "15"
    }
  }
  networks = [network.dmz, network.ot]

  service "postgres" {
    port = 5432
    check "command" {
      run            = ["pg_isready", "-h", host.db.addresses.ot]
      expect_exit    = 0
      output_matches = "accepting connections"
    }
  }
}

attacker "red" {
  image        = "cordillera/attacker:1"
  networks     = [network.dmz]
  capabilities = ["NET_RAW"]
  env = {
    TEAM_INDEX = tostring(team.index)
  }
}
