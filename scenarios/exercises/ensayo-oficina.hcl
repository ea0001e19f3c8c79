# Instructors' rehearsal of office-intrusion: the two-hour drill in twelve
# minutes (speed 10), one team per country, to check the images, the attack
# chain and the injects before a real run.

exercise "ensayo-oficina" {
  title    = "Rehearsal: from a phished workstation to the payments server"
  scenario = "office-intrusion"
  speed    = 10
  seed     = "ensayo"

  team "cl-blanco" {
    name    = "Equipo blanco Chile"
    country = "CL"
  }
  team "co-blanco" {
    name    = "Equipo blanco Colombia"
    country = "CO"
  }
}
