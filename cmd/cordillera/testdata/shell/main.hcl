scenario "cli-shell" {
  title    = "CLI shell test range"
  duration = "30m"
}

network "lan" {}

# A Debian host, for a real shell and stty; the rangehost image has neither.
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
