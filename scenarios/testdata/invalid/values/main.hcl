scenario "values" {
  title      = "Wrong values"
  duration   = "1h"
  difficulty = "hard" # ERROR: Invalid value "hard"
}

network "a" {
  subnet = "10.50.0.0/16"
}
network "b" {
  subnet = "10.50.3.0/24" # ERROR: Overlapping subnets
}
network "c" {
  subnet = "10.60.0.1/24" # ERROR: Invalid subnet
}
network "d" {
  subnet = "10.70.0.0/28" # ERROR: Subnet too small
}
network "e" {
  subnet = "not-a-subnet" # ERROR: Invalid subnet
}

host "web" {
  image        = "cordillera/target-web:1"
  networks     = [network.a]
  memory       = "lots" # ERROR: Invalid size
  cpus         = 0 # ERROR: Invalid CPU limit
  capabilities = ["SYS_ADMIN"] # ERROR: Capability not allowed
  hostname     = "web_server" # ERROR: Invalid hostname
  service "http" {
    port = 80000 # ERROR: Number out of range
    check "http" {}
  }
  service "ssh" {
    port     = 22
    protocol = "tpc" # ERROR: Invalid value "tpc"
    check "tcp" {}
  }
  service "ssh" { # ERROR: Duplicate service
    port = 2222
  }
}

attacker "red" {
  image    = "cordillera/attacker:1"
  networks = [network.a]
}

attack "bad" {
  title     = "Bad values"
  technique = ["T110"] # ERROR: Invalid technique
  at        = "5m"
  timeout   = "forever" # ERROR: Invalid duration
  from      = attacker.red
  target    = host.web
  run       = ["true"]
  success {
    mode           = "some" # ERROR: Invalid value "some"
    output_matches = "x"
  }
}

challenge "c" {
  question = "?"
  answer   = "x"
  points   = -5 # ERROR: Number out of range
  match    = "fuzzy" # ERROR: Invalid value "fuzzy"
}

scoring {
  attack {
    blocked = 50
  }
  detection {
    min_fraction = 1.5 # ERROR: Fraction out of range
  }
  weights {
    availabilty = 2 # ERROR: Unsupported argument
  }
  country_standing = "median" # ERROR: Invalid value "median"
  reveal           = "after-window" # ERROR: Invalid value "after-window"
}
