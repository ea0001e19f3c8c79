scenario "drill" {
  title    = "A web server, an attacker and a short timeline"
  duration = "10m"
}

network "lan" {}

host "web" {
  image    = "cordillera/test-rangehost:dev"
  networks = [network.lan]

  service "http" {
    port = 80
    check "tcp" {}
  }
}

attacker "red" {
  image    = "cordillera/test-rangehost:dev"
  networks = [network.lan]
}

attack "deface" {
  title     = "Deface the portal"
  technique = ["T1491.002"]
  at        = "1m"
  from      = attacker.red
  target    = host.web
  run       = ["sh", "-c", "echo pwned ${run.id}"]
  timeout   = "30s"
  success {
    output_matches = "pwned"
  }
}

attack "persist" {
  title   = "Plant a web shell"
  after   = attack.deface
  when    = "succeeded"
  delay   = "1m"
  from    = attacker.red
  target  = host.web
  run     = ["sh", "-c", "echo planted"]
  cleanup = ["sh", "-c", "echo cleaned"]
  success {
    output_matches = "planted"
  }
}

attack "fallback" {
  title  = "Try another way"
  after  = attack.deface
  when   = "blocked"
  from   = attacker.red
  target = host.web
  run    = ["sh", "-c", "echo other"]
  success {
    output_matches = "other"
  }
}

inject "news" {
  at      = "2m"
  subject = "The portal is in the news"
  body    = "Reporters ask what happened."
  response {
    due    = "10m"
    points = 50
  }
}

challenge "attacker-address" {
  question = "From which address did the defacement come?"
  answer   = attacker.red.address
  points   = 30
}
