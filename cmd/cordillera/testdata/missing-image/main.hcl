scenario "cli-missing-image" {
  title    = "CLI deployment test range"
  duration = "30m"
}

network "lan" {}

host "web" {
  image    = "cordillera/no-such-image:never"
  networks = [network.lan]
  command  = ["/rangehost", "serve"]
  env = {
    RANGEHOST_PORTS = "80"
  }
  service "http" {
    port = 80
    check "http" {
      path = "/health"
    }
  }
}

attacker "red" {
  image    = "cordillera/test-rangehost:dev"
  networks = [network.lan]
}
