scenario "minimal" {
  title    = "One web server to keep up"
  duration = "30m"
}

network "lan" {}

host "web" {
  image    = "cordillera/target-web:1"
  networks = [network.lan]

  service "http" {
    port = 80
    check "http" {
      path = "/health"
    }
  }
}
