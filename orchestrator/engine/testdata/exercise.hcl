exercise "engine-test" {
  scenario = "drill"
  seed     = "engine-test-seed"

  team "cl" {
    name    = "Chile"
    country = "CL"
  }
  team "co" {
    name    = "Colombia"
    country = "CO"
  }
}
