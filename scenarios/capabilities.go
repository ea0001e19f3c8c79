package scenarios

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Capabilities are decided here, once, for the loader and for the runtime:
// the decoder refuses what a scenario may not ask for, and the orchestrator
// and the Docker runtime check every spec against the same table, so that no
// other path can hand the engine a capability the decoder would refuse.

// knownCapabilities are the Linux kernel's capabilities (capability.h, up to
// CAP_CHECKPOINT_RESTORE, Linux 5.9), without their CAP_ prefix.
var knownCapabilities = []string{
	"AUDIT_CONTROL", "AUDIT_READ", "AUDIT_WRITE", "BLOCK_SUSPEND", "BPF",
	"CHECKPOINT_RESTORE", "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER",
	"FSETID", "IPC_LOCK", "IPC_OWNER", "KILL", "LEASE", "LINUX_IMMUTABLE",
	"MAC_ADMIN", "MAC_OVERRIDE", "MKNOD", "NET_ADMIN", "NET_BIND_SERVICE",
	"NET_BROADCAST", "NET_RAW", "PERFMON", "SETFCAP", "SETGID", "SETPCAP",
	"SETUID", "SYSLOG", "SYS_ADMIN", "SYS_BOOT", "SYS_CHROOT", "SYS_MODULE",
	"SYS_NICE", "SYS_PACCT", "SYS_PTRACE", "SYS_RAWIO", "SYS_RESOURCE",
	"SYS_TIME", "SYS_TTY_CONFIG", "WAKE_ALARM",
}

// deniedCapabilities break a container's containment or reach the machine
// that runs the range, which every team shares; each says why, for the
// diagnostic.
var deniedCapabilities = map[string]string{
	"ALL":             "ALL would give back every capability that Cordillera drops",
	"SYS_ADMIN":       "SYS_ADMIN allows mounting file systems, making namespaces and most of what root can do on the machine, and is the usual way out of a container",
	"SYS_MODULE":      "SYS_MODULE loads code into the kernel that every team and the range itself run on",
	"SYS_RAWIO":       "SYS_RAWIO gives raw access to the machine's I/O ports and memory",
	"SYS_TIME":        "SYS_TIME sets the clock of the machine, which containers share: it would change the time of every team, of the scorebot and of the score ledger",
	"SYS_BOOT":        "SYS_BOOT can load a new kernel to reboot the machine into",
	"SYS_PTRACE":      "SYS_PTRACE lets a process inspect and change others, and has been used to get around the container's system call filter",
	"SYS_RESOURCE":    "SYS_RESOURCE lets a container override the limits that keep it from starving the machine and the other teams",
	"SYS_NICE":        "SYS_NICE allows real-time priorities, with which one container can take the CPUs from every other team",
	"SYS_PACCT":       "SYS_PACCT turns on process accounting for the whole machine, every team's processes included",
	"DAC_READ_SEARCH": "DAC_READ_SEARCH opens files by handle, which reaches files of the machine outside the container",
	"BPF":             "BPF loads programs into the kernel that can observe the whole machine",
	"PERFMON":         "PERFMON observes the performance of the whole machine, other teams' processes and the kernel included",
	"MAC_ADMIN":       "MAC_ADMIN changes the machine's mandatory access control (AppArmor or SELinux), which confines the containers",
	"MAC_OVERRIDE":    "MAC_OVERRIDE bypasses the mandatory access control (AppArmor or SELinux) that confines the containers",
	"SYSLOG":          "SYSLOG reads and clears the kernel's log, which shows the whole machine and kernel addresses",
	"AUDIT_CONTROL":   "AUDIT_CONTROL changes the kernel's audit rules, which are the machine's, not the container's",
	"AUDIT_READ":      "AUDIT_READ reads the audit events of the whole machine",
	"WAKE_ALARM":      "WAKE_ALARM sets alarms that wake the machine itself",
	"BLOCK_SUSPEND":   "BLOCK_SUSPEND keeps the machine itself from suspending",
}

// ErrCapability is what every refusal of a capability name is, for
// errors.Is; the error is a *CapabilityError.
var ErrCapability = errors.New("capability not allowed")

// CapabilityError says why a capability name is refused.
type CapabilityError struct {
	// Name is the name as it was written; Canonical is the kernel's name it
	// stands for, without CAP_, or "" when it is none.
	Name, Canonical string
	// Reason says why a known capability is refused; it is empty for a name
	// that is no capability at all.
	Reason string
	// Suggestion is a known, allowed capability the name may be a typo of.
	Suggestion string
}

func (e *CapabilityError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("capability %q is not allowed: %s", e.Name, e.Reason)
	}
	if e.Suggestion != "" {
		return fmt.Sprintf("%q is not a Linux capability; did you mean %q?", e.Name, e.Suggestion)
	}
	return fmt.Sprintf("%q is not a Linux capability", e.Name)
}

// Is makes errors.Is(err, ErrCapability) hold.
func (e *CapabilityError) Is(target error) bool { return target == ErrCapability }

// CanonicalCapability writes a capability name the one way Cordillera keeps
// it: without surrounding spaces, in capitals, without its CAP_ prefix. Only
// one prefix is taken off, so "CAP_CAP_SYS_ADMIN" stays a name that is no
// capability, rather than becoming one that the engine would grant.
func CanonicalCapability(name string) string {
	return strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(name)), "CAP_")
}

// CheckCapability returns the canonical name of a capability a range
// container may have, or a *CapabilityError: for a name that is no Linux
// capability, and for one that would break the container's containment or
// reach the machine.
func CheckCapability(name string) (string, error) {
	c := CanonicalCapability(name)
	if reason, denied := deniedCapabilities[c]; denied {
		return "", &CapabilityError{Name: name, Canonical: c, Reason: reason}
	}
	if !slices.Contains(knownCapabilities, c) {
		return "", &CapabilityError{Name: name, Suggestion: suggest(c, AllowedCapabilities())}
	}
	return c, nil
}

// AllowedCapabilities returns the capabilities a scenario may give a
// container, sorted.
func AllowedCapabilities() []string {
	var out []string
	for _, c := range knownCapabilities {
		if _, denied := deniedCapabilities[c]; !denied {
			out = append(out, c)
		}
	}
	return out
}

// CheckCapAdd checks the capabilities of a container spec, which must be
// written canonically: a runtime passes them to the engine as they are, and
// engines read names more leniently than the decoder (Docker adds a CAP_
// prefix, so "CAP_SYS_ADMIN" would be SYS_ADMIN to it).
func CheckCapAdd(caps []string) error {
	var errs []error
	for _, c := range caps {
		canon, err := CheckCapability(c)
		switch {
		case err != nil:
			errs = append(errs, err)
		case canon != c:
			errs = append(errs, &CapabilityError{Name: c, Canonical: canon,
				Reason: fmt.Sprintf("a container spec names a capability as the kernel does, %q", canon)})
		}
	}
	return errors.Join(errs...)
}
