# Simulacro binacional: Colectivo Quimera desfigura el Portal Ciudadano de
# Chile a los 3 minutos y el de Colombia a los 6 (scenario border-campaign).
# El equipo chileno detecta el ataque y comparte el indicador; cada equipo
# colombiano decide si actúa sobre él antes de su turno. Dura 10 minutos a
# speed 1: lo bastante corto para ensayarlo entre dos sesiones.

exercise "campana-binacional" {
  title    = "Campaña binacional: Colectivo Quimera cruza la frontera"
  scenario = "border-campaign"
  speed    = 1

  team "cl-csirt" {
    name    = "CSIRT de Gobierno de Chile"
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
