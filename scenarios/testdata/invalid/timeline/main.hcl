scenario "timeline" {
  title    = "Timeline mistakes"
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

attack "late" { # ERROR: Beyond the scenario's end
  title  = "Too late"
  at     = "2h"
  from   = attacker.red
  target = host.web
  run    = ["true"]
  success {
    output_matches = "x"
  }
}

attack "a" {
  title  = "First of a loop"
  after  = attack.b # ERROR: Cycle in after chain
  from   = attacker.red
  target = host.web
  run    = ["true"]
  success {
    output_matches = "x"
  }
}

attack "b" {
  title  = "Second of a loop"
  after  = attack.a
  when   = "sometimes" # ERROR: Invalid value "sometimes"
  from   = attacker.red
  target = host.web
  run    = ["true"]
  success {
    output_matches = "x"
  }
}

attack "both" {
  title  = "At and after"
  at     = "5m" # ERROR: Both at and after
  after  = attack.late
  from   = attacker.red
  target = host.web
  run    = ["true"]
  success {
    output_matches = "x"
  }
}

attack "when-alone" {
  title  = "when without after"
  at     = "5m"
  when   = "blocked" # ERROR: when without after
  from   = attacker.red
  target = host.web
  run    = ["true"]
  success {
    output_matches = "x"
  }
}

inject "bad-time" {
  at      = "ten minutes" # ERROR: Invalid duration
  subject = "Bad time"
  body    = "x"
}

inject "after-end" { # ERROR: Beyond the scenario's end
  at      = "61m"
  subject = "After the end"
  body    = "x"
  response {
    due    = "0s" # ERROR: No time to respond
    points = 10
  }
}

attack "chained-late" { # ERROR: Beyond the scenario's end
  title  = "Waits too long"
  after  = attack.late
  delay  = "10m"
  from   = attacker.red
  target = host.web
  run    = ["true"]
  success {
    output_matches = "x"
  }
}
