# The demo: one team from Chile and one from Colombia defend the water
# utility. `make demo` runs it at 60 times real speed, two hours in two
# minutes.
#
#   cordillera validate scenarios/exercises/andes-demo.hcl
#   cordillera plan --exercise scenarios/exercises/andes-demo.hcl
#   cordillera run --exercise scenarios/exercises/andes-demo.hcl --speed 60

exercise "andes-demo" {
  title    = "Andes demo: ransomware pressure on a water utility"
  scenario = "water-utility"
  speed    = 1
  # A demo's secrets may be known; a real exercise keeps its seed private.
  seed = "andes-demo"

  team "cl-csirt" {
    name    = "CSIRT de Gobierno de Chile"
    country = "CL"
  }
  team "co-colcert" {
    name    = "colCERT"
    country = "CO"
  }
}
