package scenarios

import (
	"embed"
	"io/fs"
	"sort"
)

// The bundled drills travel inside the binary, so an air-gapped range has
// them without a checkout.
//
//go:embed library
var libraryFS embed.FS

// Library returns the bundled scenarios: one folder per scenario, named as
// its scenario block.
func Library() fs.FS {
	sub, err := fs.Sub(libraryFS, "library")
	if err != nil {
		panic(err) // the embed directive guarantees the folder
	}
	return sub
}

// LibraryNames lists the bundled scenarios.
func LibraryNames() []string {
	entries, _ := fs.ReadDir(Library(), ".")
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

// LibraryHas reports whether a bundled scenario has the given name.
func LibraryHas(name string) bool {
	if !fs.ValidPath(name) {
		return false
	}
	info, err := fs.Stat(Library(), name)
	return err == nil && info.IsDir()
}
