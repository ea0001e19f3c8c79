# The browser tests' range: per team, a Debian host for the terminal and a
# web host whose port the scorebot watches. The tests make both images: the
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
