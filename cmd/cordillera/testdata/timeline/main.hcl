scenario "cli-timeline" {
  title    = "A short timeline for the engine's restart test"
  duration = "20m"
}

network "lan" {}

host "web" {
  image    = "cordillera/test-rangehost:dev"
  networks = [network.lan]
  command  = ["/rangehost", "serve"]
  service "http" {
    port = 80
    check "command" {
      run = ["/rangehost", "probe", "${host.web.address}:80"]
    }
  }
}

attacker "red" {
  image    = "cordillera/test-rangehost:dev"
  networks = [network.lan]
}

attack "first" {
  title  = "Reads its run id"
  at     = "1m"
  from   = attacker.red
  target = host.web
  run    = ["/rangehost", "env", "CORDILLERA_RUN_ID"]
  success {
    output_matches = "^${run.id}"
  }
}

attack "second" {
  title  = "Reaches the portal"
  at     = "10m"
  from   = attacker.red
  target = host.web
  run    = ["/rangehost", "probe", "${host.web.address}:80"]
  success {
    probe {
      command        = ["/rangehost", "cat", "/proc/1/cmdline"]
      output_matches = "serve"
    }
  }
}

attack "third" {
  title  = "Follows the second"
  after  = attack.second
  delay  = "2m"
  from   = attacker.red
  target = host.web
  run    = ["/rangehost", "exit", "1", "refused"]
  success {
    output_matches = "accepted"
  }
}

inject "briefing" {
  at      = "30s"
  subject = "Welcome"
  body    = "Keep the portal up."
}
