# Storyline: messages teams receive, and the forensic question they answer.
# Trainee-facing text is in Spanish, the working language of both CSIRTs
# (the scenario language has one text per argument).

inject "inicio-turno" {
  at      = "30s"
  from    = "Subsecretaría de Transformación Digital"
  subject = "Inicio de turno: el Portal Ciudadano debe seguir en línea"
  body    = replace(file("injects/inicio-turno.md"), "{{equipo}}", team.name)
}

inject "compartir-indicador" {
  at        = "4m"
  from      = "Coordinación del ejercicio binacional"
  subject   = "Compartan el indicador con Colombia antes de que llegue su turno"
  body      = file("injects/compartir-indicador.md")
  countries = ["CL"]
  response {
    due    = "4m"
    points = 30
  }
}

inject "alerta-socio" {
  at        = "4m30s"
  from      = "Coordinación del ejercicio binacional"
  subject   = "Revisen los indicadores recibidos de Chile"
  body      = file("injects/alerta-socio.md")
  countries = ["CO"]
}

challenge "origen-aviso" {
  question = "¿Desde qué dirección IP se publicó el aviso falso en su portal?"
  answer   = attacker.red.address
  points   = 30
  hint {
    text = "Busque el POST a /admin/avisos.php en /var/log/apache2/access.log."
  }
}
