exercise "broken" {
  scenario     = "no-such-scenario" # ERROR: Scenario not found
  speed        = 0 # ERROR: Invalid speed
  address_pool = "10.0.0.0/24" # ERROR: Invalid address pool
  team "cl-1" { # ERROR: Missing required argument
    name = "No country"
  }
  team "co-1" {
    name    = "Bad country"
    country = "XX" # ERROR: Invalid country
  }
  team "co-1" { # ERROR: Duplicate team
    name    = "Twice"
    country = "CO"
  }
}
