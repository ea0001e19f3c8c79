package scenarios

import "io/fs"

// fileSystem is where a scenario's files are read from: a folder on disk or
// the bundled library embedded in the binary.
type fileSystem = fs.FS
