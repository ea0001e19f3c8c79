scenario "checks" {
  title    = "Check and per-team mistakes"
  duration = "1h"
}

network "lan" {}

host "web" {
  image    = "cordillera/target-web:1"
  networks = [network.lan]
  env = {
    TEAM = team.nmae # ERROR: Unsupported attribute
  }
  service "http" {
    port = 80
    check "htp" {} # ERROR: Unknown check type "htp"
  }
  service "api" {
    port = 8080
    check "http" {
      path         = "health" # ERROR: Invalid path
      body_matches = "ok(" # ERROR: Invalid regular expression
      retries      = 3 # ERROR: Unsupported argument
      method       = "FETCH" # ERROR: Invalid value "FETCH"
    }
  }
  service "dns" {
    port = 53
    check "dns" { # ERROR: Missing required argument
      type = "A"
    }
  }
  service "db" {
    port = 5432
    check "command" {
      run = ["pg_isready", "-h", host.db.address] # ERROR: Unsupported attribute
    }
  }
}

attacker "red" {
  image    = "cordillera/attacker:1"
  networks = [network.lan]
}

attack "a" {
  title  = "Per-team values where they cannot be"
  at     = "5m"
  from   = attacker.red
  target = host.web
  run    = "hydra" # ERROR: Incorrect value type
  success {
    output_matches = secret("x")
  }
}

challenge "c" {
  question = "Which address?"
  answer   = attacker.blue.address # ERROR: Unsupported attribute
  points   = 10
}

inject "i" {
  at      = "5m"
  subject = "${team.name} is not constant" # ERROR: Variables not allowed
  body    = run.id # ERROR: Unknown variable
}

host "lonely" {
  image    = "cordillera/target-web:1"
  networks = [network.lan]
  service "http" {
    port = 80
    check "httpx" {} # ERROR: Unknown check type "httpx"
  }
}
