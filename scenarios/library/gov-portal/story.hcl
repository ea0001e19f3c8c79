# Storyline: messages teams receive, and the forensic questions they answer.
# Trainee-facing text is in Spanish, the working language of both CSIRTs.

inject "inicio-turno" {
  at      = "1m"
  from    = "Subsecretaría de Transformación Digital, MDT"
  subject = "Inicio de turno: el Portal Ciudadano debe seguir en línea"
  body    = replace(file("injects/inicio-turno.md"), "{{equipo}}", team.name)
}

inject "socio-csirt-cl" {
  at        = "25m"
  from      = "colCERT (Colombia)"
  subject   = "Solicitud de indicadores: campaña de Colectivo Quimera contra portales de gobierno"
  body      = file("injects/socio-csirt-cl.md")
  countries = ["CL"]
  response {
    due    = "20m"
    points = 40
  }
}

inject "socio-csirt-co" {
  at        = "25m"
  from      = "CSIRT de Gobierno (Chile)"
  subject   = "Solicitud de indicadores: campaña de Colectivo Quimera contra portales de gobierno"
  body      = file("injects/socio-csirt-co.md")
  countries = ["CO"]
  response {
    due    = "20m"
    points = 40
  }
}

inject "prensa" {
  at      = "55m"
  from    = "Redacción, diario El Observador"
  subject = "Consulta de prensa: ¿fue hackeado el Portal Ciudadano?"
  body    = file("injects/prensa.md")
  response {
    due    = "20m"
    points = 30
  }
}

inject "regulador-cl" {
  at        = "1h20m"
  from      = "Agencia Nacional de Ciberseguridad (ANCI)"
  subject   = "Plazo de notificación del incidente en el Portal Ciudadano"
  body      = file("injects/regulador-cl.md")
  countries = ["CL"]
  response {
    due    = "30m"
    points = 50
  }
}

inject "regulador-co" {
  at        = "1h20m"
  from      = "Superintendencia de Industria y Comercio (SIC)"
  subject   = "Requerimiento por posible exposición de datos personales"
  body      = file("injects/regulador-co.md")
  countries = ["CO"]
  response {
    due    = "30m"
    points = 50
  }
}

challenge "axfr-origen" {
  question = "¿Desde qué dirección IP se pidió la transferencia de zona (AXFR) de mdt.gob.example?"
  answer   = attacker.red.address
  points   = 30
  hint {
    text = "En ns, BIND registra las transferencias en /var/log/named/transferencias.log."
  }
}

challenge "nombre-interno-expuesto" {
  question = "¿Qué nombre DNS interno del servidor de base de datos quedó expuesto por la transferencia de zona? (FQDN)"
  answer   = ["db-interno.mdt.gob.example", "db-interno.mdt.gob.example."]
  points   = 20
}

challenge "cuenta-ssh" {
  question = "¿Qué cuenta local usó el atacante para entrar por SSH al servidor web?"
  answer   = "webadmin"
  points   = 20
  hint {
    text = "Busque líneas \"Accepted password\" en /var/log/auth.log del servidor web."
  }
}

challenge "herramienta-sqli" {
  question = "¿Qué herramienta usó el atacante contra el buscador de trámites? (según el User-Agent)"
  answer   = "(?i)^\\s*sqlmap(/[0-9.]+.*)?\\s*$"
  match    = "regex"
  points   = 20
  hint {
    text = "El User-Agent es la última columna de /var/log/apache2/access.log."
    cost = 5
  }
}

challenge "origen-consulta-db" {
  question = "La tabla funcionarios se leyó a través de un túnel SSH. ¿Desde qué dirección IP vio PostgreSQL esa conexión?"
  answer   = host.web.addresses.interna
  points   = 40
  hint {
    text = "En db, /var/log/postgresql/postgresql-15-main.log registra cada conexión con su dirección de origen."
  }
  hint {
    text = "Un túnel SSH sale a la red desde el servidor que lo reenvía, no desde el atacante."
    cost = 15
  }
}
