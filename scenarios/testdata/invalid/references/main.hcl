scenario "references" {
  title    = "Broken references"
  duration = "1h"
}

network "dmz" {}
network "ot" {}

host "plc" {
  image    = "cordillera/plc:1"
  networks = [network.ot, network.dmx] # ERROR: Reference to undeclared network
  service "modbus" {
    port = 502
    check "tcp" {} # ERROR: Check out of the scorebot's reach
  }
}

host "hmi" {
  image    = "cordillera/hmi:1"
  networks = [network.ot, network.ot] # ERROR: Network listed twice
  service "vnc" {
    port = 5900
    check "tcp" {} # ERROR: Check out of the scorebot's reach
  }
}

host "isolated" { # WARNING: Host without checked service
  image    = "cordillera/target-web:1"
  networks = [network.ot]
}

attacker "red" {
  image    = "cordillera/attacker:1"
  networks = [network.dmz]
}

attacker "plc" { # ERROR: Name taken by a host
  image    = "cordillera/attacker:1"
  networks = [host.plc] # ERROR: Invalid reference
}

attack "unreachable" {
  title  = "The attacker is not on the OT network"
  at     = "10m"
  from   = attacker.red
  target = host.hmi # ERROR: Target out of reach
  run    = ["true"]
  success {
    output_matches = "x"
  }
}

attack "ghost" {
  title  = "Names nothing that exists"
  at     = "10m"
  from   = attacker.blue # ERROR: Reference to undeclared attacker
  target = host.portal # ERROR: Reference to undeclared host
  run    = ["true"]
  success {
    output_matches = "x"
  }
}

attack "orphan" {
  title  = "Waits on an attack that does not exist"
  after  = attack.recon # ERROR: Reference to undeclared attack
  from   = attacker.red
  target = host.plc # ERROR: Target out of reach
  run    = ["true"]
  success {
    output_matches = "x"
  }
}

scorebot {
  networks = [network.dmz]
}
