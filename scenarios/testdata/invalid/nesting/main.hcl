# Expressions nested past MaxNesting (64) are refused before they are
# parsed, each file at the first place that goes too deep.
scenario "nesting" {
  title    = "Nested too deep"
  duration = "1h"
}

network "lan" {}

host "web" {
  image    = "cordillera/target-web:1"
  networks = [network.lan]
  service "http" {
    port = 80
    check "http" {}
  }
}
