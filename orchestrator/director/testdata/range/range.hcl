scenario "director-test" {
  title    = "Director test range"
  duration = "30m"
}

network "lan" {}

host "web" {
  image    = "cordillera/test-rangehost:dev"
  networks = [network.lan]
  command  = ["/rangehost", "serve"]
  env = {
    RANGEHOST_PORTS = "80"
  }
  service "http" {
    port = 80
    check "command" {
      run = ["/rangehost", "probe", "${host.web.address}:80"]
    }
  }
}

# A Debian host, for a real shell on a terminal.
host "box" {
  image    = "debian:bookworm-slim"
  networks = [network.lan]
  command  = ["sleep", "infinity"]
  shell    = "/bin/bash"
}

attacker "red" {
  image    = "cordillera/test-rangehost:dev"
  networks = [network.lan]
}
