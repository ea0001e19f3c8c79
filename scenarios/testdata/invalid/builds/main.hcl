scenario "builds" {
  title    = "build block mistakes"
  duration = "1h"
}

network "lan" {}

host "web" {
  networks = [network.lan]
  build {
    context = "images/web"
    args = {
      GREETING = "hola"
    }
  }
  service "http" {
    port = 80
    check "http" {}
  }
}

attacker "escape" {
  networks = [network.lan]
  build {
    context = "../files/injects" # ERROR: Build context outside the scenario's folder
  }
}

attacker "absolute" {
  networks = [network.lan]
  build {
    context = "/etc" # ERROR: Absolute build context
  }
}

attacker "nowhere" {
  networks = [network.lan]
  build {
    context = "images/nope" # ERROR: Build context not found
  }
}

attacker "a-file" {
  networks = [network.lan]
  build {
    context = "images/web/index.html" # ERROR: Build context not a folder
  }
}

attacker "no-dockerfile" {
  networks = [network.lan]
  build {
    context    = "images/web"
    dockerfile = "Dockerfile.missing" # ERROR: Dockerfile not found
  }
}

attacker "dockerfile-escape" {
  networks = [network.lan]
  build {
    context    = "images/web"
    dockerfile = "../../main.hcl" # ERROR: Dockerfile path outside the build context
  }
}

attacker "built" {
  networks = [network.lan]
  build {
    context = "./images/web/"
  }
}
