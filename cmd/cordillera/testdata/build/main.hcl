scenario "cli-build" {
  title    = "CLI build test range"
  duration = "30m"
}

network "lan" {}

# Built by up from images/web, on top of the test image.
host "web" {
  networks = [network.lan]
  command  = ["/rangehost", "serve"]
  env = {
    RANGEHOST_PORTS = "80"
  }
  build {
    context = "images/web"
    args = {
      GREETING = "hola"
    }
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
