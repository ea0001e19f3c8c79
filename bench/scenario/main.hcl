# bench: the deployment benchmark's scenario (see docs/performance.md). Five
# hosts on one network per team, all of the cheapest bundled image: the
# simulated PLC (one Python process, no daemons to set up), each checked by
# the scorebot with a plain TCP connect. bench/cmd/deploybench deploys N teams
# of it with `cordillera up` and the same containers with `docker compose`.

scenario "bench" {
  title      = "Deployment benchmark: five PLCs per team"
  summary    = "Five simulated PLCs on one sealed network per team; nothing to defend."
  duration   = "1h"
  difficulty = "beginner"
  tags       = ["benchmark"]
}

network "lan" {}

host "plc-1" {
  image        = "cordillera/target-plc:1"
  networks     = [network.lan]
  memory       = "128MiB"
  capabilities = ["NET_BIND_SERVICE"]
  service "modbus" {
    port = 502
    check "tcp" {}
  }
}

host "plc-2" {
  image        = "cordillera/target-plc:1"
  networks     = [network.lan]
  memory       = "128MiB"
  capabilities = ["NET_BIND_SERVICE"]
  service "modbus" {
    port = 502
    check "tcp" {}
  }
}

host "plc-3" {
  image        = "cordillera/target-plc:1"
  networks     = [network.lan]
  memory       = "128MiB"
  capabilities = ["NET_BIND_SERVICE"]
  service "modbus" {
    port = 502
    check "tcp" {}
  }
}

host "plc-4" {
  image        = "cordillera/target-plc:1"
  networks     = [network.lan]
  memory       = "128MiB"
  capabilities = ["NET_BIND_SERVICE"]
  service "modbus" {
    port = 502
    check "tcp" {}
  }
}

host "plc-5" {
  image        = "cordillera/target-plc:1"
  networks     = [network.lan]
  memory       = "128MiB"
  capabilities = ["NET_BIND_SERVICE"]
  service "modbus" {
    port = 502
    check "tcp" {}
  }
}

scorebot {
  round = "30s"
}
