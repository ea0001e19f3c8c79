scenario "fixed-subnet" {
  title    = "A subnet every team would share"
  duration = "1h"
}

network "lan" {
  subnet = "10.99.1.0/24" # WARNING: Subnet shared by teams
}

host "web" {
  image    = "cordillera/target-web:1"
  networks = [network.lan]
  service "http" {
    port = 80
    check "http" {}
  }
}
