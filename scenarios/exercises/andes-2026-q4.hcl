# Quarterly bilateral exercise, Q4 2026: two teams per country defend the
# ministry's citizen portal. The seed is fixed so that the white team can
# print each team's secrets (plan --exercise) before the day; change it for
# every run of the exercise.

exercise "andes-2026-q4" {
  title        = "Andes 2026 Q4: hacktivists against a citizen portal"
  scenario     = "gov-portal"
  speed        = 1
  seed         = "andes-2026-q4-e6b1d09c"
  address_pool = "10.160.0.0/12"

  team "cl-gob-1" {
    name    = "CSIRT de Gobierno de Chile, célula 1"
    country = "CL"
  }
  team "cl-gob-2" {
    name    = "CSIRT de Gobierno de Chile, célula 2"
    country = "CL"
  }
  team "co-colcert" {
    name    = "colCERT"
    country = "CO"
  }
  team "co-csirt-gob" {
    name    = "CSIRT de Gobierno de Colombia"
    country = "CO"
  }
}
