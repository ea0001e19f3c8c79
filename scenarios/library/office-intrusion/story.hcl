# Storyline: messages teams receive, and the forensic questions they answer.
# Trainee-facing text is in Spanish, the working language of both CSIRTs.

inject "phishing-reportado" {
  at      = "5m"
  from    = "Mesa de Ayuda TI, Distribuidora Eléctrica Andina"
  subject = "Usuaria de Contabilidad ingresó su clave en una página falsa"
  body    = replace(file("injects/phishing-reportado.md"), "{{equipo}}", team.name)
  response {
    due    = "15m"
    points = 30
  }
}

inject "socio-csirt-cl" {
  at        = "30m"
  from      = "colCERT (Colombia)"
  subject   = "Campaña \"Factura pendiente\" contra empresas eléctricas: intercambio de indicadores"
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
  subject   = "Campaña \"Factura pendiente\" contra empresas eléctricas: intercambio de indicadores"
  body      = file("injects/socio-csirt-co.md")
  countries = ["CO"]
  response {
    due    = "25m"
    points = 40
  }
}

inject "banco-fraude" {
  at      = "1h"
  from    = "Prevención de Fraudes, Banco del Pacífico"
  subject = "Solicitudes sospechosas de cambio de cuenta de sus proveedores"
  body    = file("injects/banco-fraude.md")
  response {
    due    = "20m"
    points = 40
  }
}

inject "gerencia-informe" {
  at      = "1h25m"
  from    = "Gerencia General"
  subject = "Informe ejecutivo del incidente para el Directorio"
  body    = file("injects/gerencia-informe.md")
  response {
    due    = "30m"
    points = 60
  }
}

challenge "destino-baliza" {
  question = "¿A qué dirección IP y puerto envía sus balizas el implante de pc-contab-07? (formato IP:PUERTO)"
  answer   = "${attacker.red.address}:8443"
  match    = "exact"
  points   = 30
  hint {
    text = "Revise qué se ejecuta cuando mgonzalez abre una sesión."
  }
}

challenge "persistencia" {
  question = "¿En qué archivo dejó el atacante su persistencia en pc-contab-07? (ruta completa)"
  answer   = ["/home/mgonzalez/.bashrc", "~mgonzalez/.bashrc"]
  match    = "exact"
  points   = 30
}

challenge "origen-smb" {
  question = "¿Desde qué dirección IP se abrió el recurso compartido \"ti\" con la cuenta mgonzalez?"
  answer   = host.ws-contab.address
  points   = 40
  hint {
    text = "Samba escribe un registro por cliente en /var/log/samba/log.<IP> del servidor de archivos."
  }
  hint {
    text = "El atacante opera desde el equipo comprometido, no desde su propia dirección."
    cost = 15
  }
}

challenge "cuenta-erp" {
  question = "¿Qué cuenta del servidor ERP quedó expuesta en el recurso \"ti\"?"
  answer   = "erpadmin"
  points   = 20
}

challenge "archivo-exfiltrado" {
  question = "¿Qué archivo del recurso Contabilidad se llevó el atacante? (nombre del archivo)"
  answer   = "(?i)^\\s*(.*[/\\\\])?proveedores-2026\\.csv\\s*$"
  match    = "regex"
  points   = 40
  hint {
    text = "El atacante lo dejó en /tmp de pc-contab-07 antes de enviarlo."
    cost = 10
  }
}
