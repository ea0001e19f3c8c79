scenario "water-utility" {
  title      = "Ransomware pressure on a municipal water utility"
  summary    = "Defend the billing portal and the treatment plant's control network."
  duration   = "2h"
  difficulty = "intermediate"
  tags       = ["critical-infrastructure", "ics"]
}

network "dmz" {}
network "ot" {}

host "portal" {
  image        = "cordillera/target-web:1"
  networks     = [network.dmz]
  memory       = "256MiB"
  cpus         = 0.5
  capabilities = ["NET_ADMIN"]
  env = {
    ADMIN_PASSWORD = weak_secret("portal-admin")
  }

  service "http" {
    port = 80
    check "http" {
      path          = "/health"
      expect_status = 200
    }
  }
  service "ssh" {
    port = 22
    check "tcp" {}
  }
}

attacker "red" {
  image    = "cordillera/attacker:1"
  networks = [network.dmz]
}

attack "portal-bruteforce" {
  title     = "Password spraying against the portal's SSH"
  technique = ["T1110.003"]
  at        = "10m"
  from      = attacker.red
  target    = host.portal
  run       = ["hydra", "-l", "admin", "-P", "/usr/share/cordillera/weak-passwords.txt", "ssh://${host.portal.address}"]
  timeout   = "2m"
  success {
    output_matches = "1 valid password found"
  }
}

inject "press-inquiry" {
  at      = "30m"
  subject = "A journalist asks about water quality"
  body    = file("injects/press.md")
  response {
    due    = "20m"
    points = 50
  }
}

challenge "attacker-address" {
  question = "From which address did the password spraying come?"
  answer   = attacker.red.address
  points   = 40
}

scoring {
  availability { points_per_check = 1 }
  attack {
    blocked   = 50
    succeeded = -100
    detected  = 40
  }
}
