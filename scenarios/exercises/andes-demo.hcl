# The demo: one team from Chile and one from Colombia defend the water
# utility at real-time speed.
#
#   cordillera validate scenarios/exercises/andes-demo.hcl
#   cordillera plan --exercise scenarios/exercises/andes-demo.hcl

exercise "andes-demo" {
  title    = "Andes demo: ransomware pressure on a water utility"
  scenario = "water-utility"
  speed    = 1

  team "cl-csirt" {
    name    = "CSIRT de Gobierno de Chile"
    country = "CL"
  }
  team "co-colcert" {
    name    = "colCERT"
    country = "CO"
  }
}
