package probe

import "runtime/debug"

// BuildVersion is the module version the running binary was built from, or
// the VCS revision for a development build. Cordillera and its agent both
// say it, so an agent and a Cordillera built from one tree agree.
func BuildVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "dev-" + s.Value[:12]
		}
	}
	return "dev"
}
