# Every block and attribute of the language, spread over several files.
scenario "complete" {
  title       = "Every feature at once"
  summary     = "A fixture that uses the whole language."
  description = "Used by the tests; not a drill."
  duration    = "1h30m"
  difficulty  = "advanced"
  tags        = ["fixture", "ics"]
}

network "dmz" {}
network "ot" {
  subnet = "10.77.${team.index}.0/24"
}
network "uplink" {
  internet = true # WARNING: Network open to the internet
}

scorebot {
  networks = [network.dmz, network.ot]
  round    = "20s"
  jitter   = "3s"
}

scoring {
  country_standing = "mean"
  availability {
    points_per_check = 2
    sla_failures     = 4
    sla_penalty      = 7
  }
  attack {
    blocked   = 60
    succeeded = -120
    detected  = 30
  }
  detection {
    window       = "20m"
    min_fraction = 0.25
  }
  injects {
    late_penalty = 0.4
  }
  challenges {
    first_solve_bonus = 5
    max_attempts      = 3
    cooldown          = "30s"
  }
  cooperation {
    shared = 15
  }
  penalties {
    reset = 30
    hint  = 8
  }
  weights {
    availability = 0.5
    detection    = 2
  }
}
