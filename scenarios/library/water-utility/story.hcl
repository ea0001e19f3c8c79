# Storyline: messages teams receive, and the forensic questions they answer.
# Trainee-facing text is in Spanish, the working language of both CSIRTs.

inject "turno-planta" {
  at      = "3m"
  from    = "Jefatura de turno, Planta Potabilizadora Valle Alto"
  subject = "Valores normales de operación de la planta"
  body    = replace(file("injects/turno-planta.md"), "{{equipo}}", team.name)
}

inject "socio-csirt-cl" {
  at        = "30m"
  from      = "colCERT (Colombia)"
  subject   = "MARAÑA ataca empresas de agua: pedimos sus indicadores"
  body      = file("injects/socio-csirt-cl.md")
  countries = ["CL"]
  response {
    due    = "25m"
    points = 40
  }
}

inject "socio-csirt-co" {
  at        = "30m"
  from      = "CSIRT de Gobierno (Chile)"
  subject   = "MARAÑA ataca empresas de agua: pedimos sus indicadores"
  body      = file("injects/socio-csirt-co.md")
  countries = ["CO"]
  response {
    due    = "25m"
    points = 40
  }
}

inject "extorsion" {
  at      = "45m"
  from    = "MARAÑA <maranha@onionmail.example>"
  subject = "Tenemos sus clientes. Y su planta."
  body    = file("injects/extorsion.md")
  response {
    due    = "20m"
    points = 40
  }
}

inject "prensa" {
  at      = "55m"
  from    = "Prensa, Radio Valle Alto"
  subject = "Vecinos reportan olor fuerte a cloro en el agua"
  body    = file("injects/prensa.md")
  response {
    due    = "20m"
    points = 30
  }
}

inject "regulador-cl" {
  at        = "1h15m"
  from      = "Superintendencia de Servicios Sanitarios (SISS)"
  subject   = "Requerimiento: calidad del agua y ciberincidente en SMAP Valle Alto"
  body      = file("injects/regulador-cl.md")
  countries = ["CL"]
  response {
    due    = "30m"
    points = 50
  }
}

inject "regulador-co" {
  at        = "1h15m"
  from      = "Superintendencia de Servicios Públicos Domiciliarios"
  subject   = "Requerimiento: calidad del agua y ciberincidente en SMAP Valle Alto"
  body      = file("injects/regulador-co.md")
  countries = ["CO"]
  response {
    due    = "30m"
    points = 50
  }
}

challenge "origen-spraying" {
  question = "¿Desde qué dirección IP se hizo el password spraying contra el portal?"
  answer   = attacker.red.address
  points   = 30
  hint {
    text = "En portal, /var/log/auth.log registra cada intento fallido con su origen."
  }
}

challenge "archivo-credencial" {
  question = "¿Qué archivo del portal expuso la contraseña del integrador SCADA? (ruta completa)"
  answer   = "/srv/compartido/planta/conectar-hmi.sh"
  match    = "exact"
  points   = 30
  hint {
    text = "Busque en /srv/compartido archivos legibles por cualquier usuario que mencionen sshpass."
  }
}

challenge "origen-escritura-modbus" {
  question = "Según el registro del PLC, ¿desde qué dirección IP llegó la escritura Modbus que cambió la consigna de cloro?"
  answer   = host.hmi.addresses.ot
  points   = 50
  hint {
    text = "En plc, /var/log/plc/modbus.log registra cada escritura con su origen."
  }
  hint {
    text = "El atacante no está en la red OT: la escritura salió de un equipo que sí lo está."
    cost = 20
  }
}

challenge "valor-consigna" {
  question = "¿A qué valor dejó el atacante la consigna de dosificación de cloro? (mg/L)"
  answer   = "(?i)^\\s*9[.,]5\\s*(mg/l)?\\s*$"
  match    = "regex"
  points   = 30
  hint {
    text = "El registro holding 3 está en décimas de mg/L."
    cost = 5
  }
}

challenge "bomba-detenida" {
  question = "¿Qué bomba detuvo el atacante? (nombre en el HMI)"
  answer   = ["P1", "bomba P1"]
  points   = 20
}
