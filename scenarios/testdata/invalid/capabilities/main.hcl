# Capability names are written canonically once (case, spaces, one CAP_),
# then must be the kernel's and not one that lets a container out.
scenario "capabilities" {
  title    = "Capabilities a scenario may not ask for"
  duration = "1h"
}

network "lan" {}

host "web" {
  image    = "cordillera/target-web:1"
  networks = [network.lan]
  capabilities = [
    " net_admin ",
    "CAP_NET_RAW",
    "CAP_CAP_SYS_ADMIN", # ERROR: Unknown capability
    "cap_sys_admin",     # ERROR: Capability not allowed
    "SYS_TIME",          # ERROR: Capability not allowed
    "NOT_A_CAP",         # ERROR: Unknown capability
    "NET_ADMN",          # ERROR: Unknown capability
    "ALL",               # ERROR: Capability not allowed
  ]
  service "http" {
    port = 80
    check "http" {}
  }
}

attacker "red" {
  image    = "cordillera/attacker:1"
  networks = [network.lan]
  capabilities = [
    "SYS_MODULE",      # ERROR: Capability not allowed
    "SYS_RAWIO",       # ERROR: Capability not allowed
    "SYS_BOOT",        # ERROR: Capability not allowed
    "DAC_READ_SEARCH", # ERROR: Capability not allowed
    "BPF",             # ERROR: Capability not allowed
    "PERFMON",         # ERROR: Capability not allowed
    "MAC_ADMIN",       # ERROR: Capability not allowed
    "MAC_OVERRIDE",    # ERROR: Capability not allowed
    "SYSLOG",          # ERROR: Capability not allowed
    "SYS_RESOURCE",    # ERROR: Capability not allowed
  ]
}

attacker "blue" {
  image        = "cordillera/attacker:1"
  networks     = [network.lan]
  capabilities = [for c in ["SYS_ADMIN"] : c] # ERROR: Capability not allowed
}
