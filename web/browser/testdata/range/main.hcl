# The browser tests' range: per team, a Debian host for the terminal, a
# web host whose port the scorebot watches, and an attacker whose one
# attack the tests fire by hand. The tests make both images: the
# Debian one as `cordillera images bootstrap` does, and the range host
# image of orchestrator/docker/dockertest, which the scorebot runs too.
scenario "browser-range" {
  title    = "Browser test range"
  summary  = "A Debian box to open a terminal on, and a web server the scorebot checks."
  duration = "2h"
}

network "lan" {}

# Short rounds, so that availability points come in while the tests watch.
scorebot {
  round = "5s"
}

host "box" {
  image    = "debian:bookworm-slim"
  hostname = "box"
  networks = [network.lan]
  command  = ["sleep", "infinity"]
  shell    = "/bin/bash"
}

host "web" {
  image    = "cordillera/test-rangehost:dev"
  hostname = "web"
  networks = [network.lan]

  service "http" {
    port = 80
    # The scorebot runs the range host image too, which has no curl: it
    # probes the port with the range host's own program.
    check "command" {
      run = ["/rangehost", "probe", "${host.web.address}:80"]
    }
  }
}

attacker "red" {
  image    = "cordillera/test-rangehost:dev"
  networks = [network.lan]
}

# Far out on the timeline: the reveal journey fires it by hand.
attack "web-probe" {
  title     = "Reconnaissance of the web host's port"
  technique = ["T1046"]
  at        = "1h50m"
  from      = attacker.red
  target    = host.web
  run       = ["/rangehost", "probe", "${host.web.address}:80"]
  timeout   = "30s"
  success {
    output_matches = "^open "
  }
}

# A short detection window, so that the reveal journey sees an attack's
# outcome reach the team while it watches (at the journeys' speed of 2, a
# minute of the exercise is 30 seconds).
scoring {
  detection {
    window = "1m"
  }
}
