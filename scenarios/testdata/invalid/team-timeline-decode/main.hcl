# Per-team timeline values wrong for every team, found when the file is
# decoded.
scenario "team-timeline-decode" {
  title    = "Per-team timeline mistakes found when decoding"
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

attacker "red" {
  image    = "cordillera/attacker:1"
  networks = [network.lan]
}

attack "lower-case" {
  title  = "Countries are upper case"
  at     = team.country == "cl" ? "5m" : "20m" # ERROR: Country that no team has
  from   = attacker.red
  target = host.web
  run    = ["true"]
  success {
    output_matches = "x"
  }
}

attack "base" {
  title  = "First of a chain"
  at     = "5m"
  from   = attacker.red
  target = host.web
  run    = ["true"]
  success {
    output_matches = "x"
  }
}

attack "named" {
  title  = "Countries are codes"
  after  = attack.base
  delay  = "Chile" != team.country ? "3m" : "0s" # ERROR: Country that no team has
  from   = attacker.red
  target = host.web
  run    = ["true"]
  success {
    output_matches = "x"
  }
}

attack "run-time" {
  title  = "run is not known yet"
  at     = run.id == "" ? "5m" : "6m" # ERROR: Run values not allowed here
  from   = attacker.red
  target = host.web
  run    = ["true"]
  success {
    output_matches = "x"
  }
}

inject "static-still-checked" {
  at      = "ten minutes" # ERROR: Invalid duration
  subject = "Constant times are checked as before"
  body    = "x"
}
