exercise "andes-test" {
  title    = "Fixture exercise"
  scenario = "../valid/complete"
  speed    = 10
  seed     = "fixture-seed"
  team "cl-1" {
    name    = "CSIRT Chile"
    country = "cl"
  }
  team "co-1" {
    name    = "colCERT"
    country = "CO"
  }
}
