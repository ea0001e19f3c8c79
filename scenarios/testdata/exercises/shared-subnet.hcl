exercise "shared" {
  scenario = "../fixed-subnet"
  team "a" {
    name    = "A"
    country = "CL"
  }
  team "b" {
    name    = "B"
    country = "CO"
  }
}
