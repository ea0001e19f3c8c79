scenario "files" {
  title    = "file() mistakes"
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

inject "escape" {
  at      = "5m"
  subject = "Escapes"
  body    = file("../../../../go.mod") # ERROR: Invalid function argument
}

inject "absolute" {
  at      = "5m"
  subject = "Absolute"
  body    = file("/etc/passwd") # ERROR: Invalid function argument
}

inject "missing" {
  at      = "5m"
  subject = "Missing"
  body    = file("injects/nope.md") # ERROR: Invalid function argument
}

inject "fine" {
  at      = "5m"
  subject = "Fine"
  body    = file("injects/ok.md")
}

inject "secret-here" {
  at      = "5m"
  subject = secret("x") # ERROR: Error in function call
  body    = "x"
}
