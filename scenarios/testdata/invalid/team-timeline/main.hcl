# Per-team timeline values that are wrong for one of the two sample teams
# (team-1 from CL, team-2 from CO), found when each team is planned.
scenario "team-timeline" {
  title    = "Per-team timeline mistakes"
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

attack "negative" {
  title  = "Negative for Colombia"
  at     = team.country == "CL" ? "5m" : "-5m" # ERROR: Negative time
  from   = attacker.red
  target = host.web
  run    = ["true"]
  success {
    output_matches = "x"
  }
}

attack "no-unit" {
  title  = "A number without its unit"
  at     = team.country == "CL" ? "5m" : "10" # ERROR: Invalid duration
  from   = attacker.red
  target = host.web
  run    = ["true"]
  success {
    output_matches = "x"
  }
}

attack "late" { # ERROR: Beyond the scenario's end
  title  = "Too late for Colombia"
  at     = team.country == "CO" ? "2h" : "5m"
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

attack "chained" { # ERROR: Beyond the scenario's end
  title  = "Its chain ends too late for the second team"
  after  = attack.base
  delay  = "${team.index * 29}m"
  from   = attacker.red
  target = host.web
  run    = ["true"]
  success {
    output_matches = "x"
  }
}

attack "listed" {
  title  = "Not a string"
  at     = [team.index] # ERROR: Incorrect value type
  from   = attacker.red
  target = host.web
  run    = ["true"]
  success {
    output_matches = "x"
  }
}

inject "late-inject" { # ERROR: Beyond the scenario's end
  at      = team.index == 2 ? "90m" : "10m"
  subject = "Late for the second team"
  body    = "x"
}

inject "null" {
  at      = team.country == "CL" ? "5m" : null # ERROR: Missing value
  subject = "No time for Colombia"
  body    = "x"
}
