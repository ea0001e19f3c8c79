scenario "structure" {
  title    = "Structural mistakes"
  duration = "1h"
  dificulty = "advanced" # ERROR: Unsupported argument
}

netwrok "lan" {} # ERROR: Unsupported block type
network "lan" {}
network "lan" {} # ERROR: Duplicate network

host "web" {
  imgae    = "cordillera/target-web:1" # ERROR: Unsupported argument
  image    = "cordillera/target-web:1"
  networks = [network.lan]
  service "http" {
    port = 80
    check "http" {}
  }
}

host "web" { # ERROR: Duplicate host
  image    = "cordillera/target-web:1"
  networks = [network.lan]
  service "ssh" {
    port = 22
    check "tcp" {}
  }
}

host "Bad_Name" { # ERROR: Invalid name
  image    = "cordillera/target-web:1"
  networks = [network.lan]
}

host "no-image" { # ERROR: Missing image
  networks = [network.lan]
  service "ssh" {
    port = 22
    check "tcp" {}
  }
}

attacker "red" {
  image    = "cordillera/attacker:1"
  networks = [network.lan]
}

attack "no-start" { # ERROR: Missing start
  title  = "Forgot at"
  from   = attacker.red
  target = host.web
  run    = ["true"]
  success {
    output_matches = "x"
  }
}

attack "no-evidence" { # WARNING: Attack without success criteria
  title  = "Exit code only"
  at     = "5m"
  from   = attacker.red
  target = host.web
  run    = ["true"]
}

attack "missing-run" { # ERROR: Missing required argument
  title  = "No command"
  at     = "5m"
  from   = attacker.red
  target = host.web
  success {
    output_matches = "x"
  }
}

attack "empty-success" {
  title  = "Empty success"
  at     = "5m"
  from   = attacker.red
  target = host.web
  run    = ["true"]
  success { # ERROR: Empty success block
    output_excludes = "x"
  }
}
