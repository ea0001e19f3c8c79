package orchestrator

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// ImageImporter is a runtime that can make an image from a root file system,
// which is how a range gets a Debian base image with no registry to pull
// from.
type ImageImporter interface {
	ImportImage(ctx context.Context, rootfs io.Reader, refs []string) error
}

// BaseImages are the tags the bootstrapped Debian base gets: the first lets
// Dockerfiles that start FROM debian:bookworm-slim build unchanged.
var BaseImages = []string{"debian:bookworm-slim", "cordillera/debian:bookworm"}

// BootstrapOptions says how to make the Debian base image.
type BootstrapOptions struct {
	Suite  string   // Debian release; "bookworm" when empty
	Mirror string   // Debian mirror; the machine's own when empty
	Tags   []string // BaseImages when empty
	// Force builds the image even when the first tag exists already.
	Force bool
}

// ErrBootstrapTool is returned when the machine cannot run debootstrap.
var ErrBootstrapTool = errors.New("cannot run debootstrap")

// Bootstrap makes a minimal Debian image from a Debian package mirror with
// debootstrap and imports it into the engine. It does nothing when the image
// exists, unless opts.Force. Each line debootstrap prints goes to progress.
// It reports whether it built the image.
func Bootstrap(ctx context.Context, rt Runtime, opts BootstrapOptions, progress func(string)) (bool, error) {
	if opts.Suite == "" {
		opts.Suite = "bookworm"
	}
	if len(opts.Tags) == 0 {
		opts.Tags = BaseImages
	}
	if opts.Mirror == "" {
		opts.Mirror = SystemMirror()
	}
	if !opts.Force {
		exists, err := rt.ImageExists(ctx, opts.Tags[0])
		if err != nil {
			return false, err
		}
		if exists {
			progress(fmt.Sprintf("%s is already on the engine; nothing to do (--force builds it again)", opts.Tags[0]))
			return false, nil
		}
	}
	importer, ok := rt.(ImageImporter)
	if !ok {
		return false, fmt.Errorf("this runtime cannot import images")
	}
	debootstrap, err := exec.LookPath("debootstrap")
	if err != nil {
		return false, fmt.Errorf("%w: it is not installed; install it with `apt-get install debootstrap`", ErrBootstrapTool)
	}
	if os.Geteuid() != 0 {
		return false, fmt.Errorf("%w: it must run as root to build a root file system; run this command with sudo", ErrBootstrapTool)
	}
	dir, err := os.MkdirTemp("", "cordillera-rootfs-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(dir)

	progress(fmt.Sprintf("debootstrap %s from %s", opts.Suite, opts.Mirror))
	cmd := exec.CommandContext(ctx, debootstrap, "--variant=minbase", opts.Suite, dir, opts.Mirror)
	if err := runWithProgress(cmd, progress); err != nil {
		return false, fmt.Errorf("debootstrap %s from %s: %w", opts.Suite, opts.Mirror, err)
	}
	// Downloaded packages are not part of the system; leave them out.
	if debs, _ := filepath.Glob(filepath.Join(dir, "var/cache/apt/archives/*.deb")); len(debs) > 0 {
		for _, d := range debs {
			os.Remove(d)
		}
	}

	// The root folder is a temporary one, made 0700; the image's / must be
	// 0755 as any system's, or, on a storage driver that keeps the mode of
	// the layer's root (vfs, as swarm nodes in containers use), every
	// service that drops root (Apache's workers) is denied its files.
	if err := os.Chmod(dir, 0o755); err != nil {
		return false, err
	}
	progress(fmt.Sprintf("importing as %s", strings.Join(opts.Tags, ", ")))
	tar := exec.CommandContext(ctx, "tar", "--numeric-owner", "-C", dir, "-c", ".")
	stream, err := tar.StdoutPipe()
	if err != nil {
		return false, err
	}
	var tarErr strings.Builder
	tar.Stderr = &tarErr
	if err := tar.Start(); err != nil {
		return false, fmt.Errorf("tar the root file system: %w", err)
	}
	importErr := importer.ImportImage(ctx, stream, opts.Tags)
	io.Copy(io.Discard, stream) // let tar finish if the import stopped early
	if err := tar.Wait(); err != nil {
		return false, fmt.Errorf("tar the root file system: %v: %s", err, strings.TrimSpace(tarErr.String()))
	}
	if importErr != nil {
		return false, importErr
	}
	progress(fmt.Sprintf("%s is ready", opts.Tags[0]))
	return true, nil
}

// runWithProgress runs cmd and passes each line it prints to progress; on
// failure the error holds the last lines, which say why.
func runWithProgress(cmd *exec.Cmd, progress func(string)) error {
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		return err
	}
	var last []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Text()
			progress(line)
			last = append(last, line)
			if len(last) > 5 {
				last = last[1:]
			}
		}
	}()
	err := cmd.Wait()
	pw.Close()
	<-done
	if err != nil {
		return fmt.Errorf("%w: %s", err, strings.Join(last, " / "))
	}
	return nil
}

// SystemMirror is the Debian mirror this machine's apt uses, so that an
// air-gapped range uses its local mirror without being told; the public one
// otherwise.
func SystemMirror() string {
	for _, path := range []string{"/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"} {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		if m := MirrorIn(string(data)); m != "" {
			return m
		}
	}
	return "http://deb.debian.org/debian"
}

// MirrorIn finds the first Debian archive (not the security archive) in an
// apt sources file, in either the one-line or the deb822 format.
func MirrorIn(sources string) string {
	for _, line := range strings.Split(sources, "\n") {
		fields := strings.Fields(line)
		switch {
		case len(fields) >= 2 && fields[0] == "URIs:":
			if !strings.Contains(fields[1], "security") {
				return fields[1]
			}
		case len(fields) >= 3 && fields[0] == "deb":
			uri := fields[1]
			if strings.HasPrefix(uri, "[") { // deb [options] uri suite
				for _, f := range fields[1:] {
					if strings.Contains(f, "://") {
						uri = f
						break
					}
				}
			}
			if strings.Contains(uri, "://") && !strings.Contains(uri, "security") {
				return uri
			}
		}
	}
	return ""
}

// ImageBuilder is a runtime that can build an image from a Dockerfile.
type ImageBuilder interface {
	// BuildImage builds the image whose context is the tar stream, passing
	// each line of the build's output to progress.
	BuildImage(ctx context.Context, build ImageBuild, progress func(string)) error
	// ImageLabel returns a label of an image, and whether the image exists.
	ImageLabel(ctx context.Context, ref, label string) (string, bool, error)
}

// ImageBuild is one image to build.
type ImageBuild struct {
	Context    io.Reader // a tar stream of the build folder
	Dockerfile string
	Tags       []string
	Args       map[string]string
	Labels     map[string]string
}

// Recipe is a folder of scenarios/images: a Dockerfile and what it copies.
type Recipe struct {
	Name string // the folder's name
	Dir  string
	Tag  string // cordillera/NAME:1
	// Common is the recipes' shared folder (scenarios/images/common), or
	// "". Its files are in every build context under common/, so several
	// Dockerfiles can COPY the same script without keeping copies of it.
	Common string
}

// CommonDir is the folder of files every recipe's build context holds.
const CommonDir = "common"

// LabelSource marks a built image with the hash of its recipe, so that an
// unchanged recipe is not built again.
const LabelSource = "cordillera.source"

// Recipes lists the folders of dir that hold a Dockerfile, in name order.
func Recipes(dir string) ([]Recipe, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("image recipes: %w", err)
	}
	common := ""
	if info, err := os.Stat(filepath.Join(dir, CommonDir)); err == nil && info.IsDir() {
		common = filepath.Join(dir, CommonDir)
	}
	var recipes []Recipe
	for _, e := range entries {
		if !e.IsDir() || e.Name() == CommonDir {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, e.Name(), "Dockerfile")); err == nil {
			recipes = append(recipes, Recipe{Name: e.Name(), Dir: filepath.Join(dir, e.Name()), Tag: "cordillera/" + e.Name() + ":1", Common: common})
		}
	}
	if len(recipes) == 0 {
		return nil, fmt.Errorf("no image recipes in %s: each image is a folder with a Dockerfile", dir)
	}
	return recipes, nil
}

// BuildImages builds the recipes one after the other, skipping those whose
// image was built from the same files. Building one at a time keeps the
// output readable and the machine responsive; the engine caches layers.
// It reports the names it built.
func BuildImages(ctx context.Context, rt Runtime, recipes []Recipe, force bool, progress func(string)) ([]string, error) {
	builder, ok := rt.(ImageBuilder)
	if !ok {
		return nil, fmt.Errorf("this runtime cannot build images")
	}
	var built []string
	for i, r := range recipes {
		roots := []contextRoot{{files: os.DirFS(r.Dir)}}
		if r.Common != "" {
			roots = append(roots, contextRoot{files: os.DirFS(r.Common), prefix: CommonDir + "/"})
		}
		data, sum, err := contextTar(roots...)
		if err != nil {
			return built, fmt.Errorf("image %s: %w", r.Name, err)
		}
		if sum, err = withBases(ctx, rt, r, sum); err != nil {
			return built, fmt.Errorf("image %s: %w", r.Name, err)
		}
		if !force {
			have, exists, err := builder.ImageLabel(ctx, r.Tag, LabelSource)
			if err != nil {
				return built, err
			}
			if exists && have == sum {
				progress(fmt.Sprintf("[%d/%d] %s is up to date", i+1, len(recipes), r.Tag))
				continue
			}
		}
		if err := checkBase(ctx, rt, r); err != nil {
			return built, err
		}
		progress(fmt.Sprintf("[%d/%d] building %s", i+1, len(recipes), r.Tag))
		err = builder.BuildImage(ctx, ImageBuild{
			Context: bytes.NewReader(data), Dockerfile: "Dockerfile", Tags: []string{r.Tag},
			Labels: map[string]string{LabelSource: sum},
		}, func(line string) { progress("    " + line) })
		if err != nil {
			return built, fmt.Errorf("image %s: %w", r.Name, err)
		}
		built = append(built, r.Name)
	}
	return built, nil
}

// ImageIdentifier is a [Runtime] that tells an image's ID. Find it with a
// type assertion.
type ImageIdentifier interface {
	// ImageID returns the image's ID, or "" when the engine lacks it.
	ImageID(ctx context.Context, ref string) (string, error)
}

// withBases mixes into a recipe's hash the IDs of the images it starts
// FROM, when the runtime tells them: a base made again (images bootstrap
// --force) makes every image on it out of date, as its files would.
func withBases(ctx context.Context, rt Runtime, r Recipe, sum string) (string, error) {
	ids, ok := rt.(ImageIdentifier)
	if !ok {
		return sum, nil
	}
	data, err := os.ReadFile(filepath.Join(r.Dir, "Dockerfile"))
	if err != nil {
		return "", err
	}
	h := sha256.New()
	io.WriteString(h, sum)
	for _, base := range dockerfileBases(data, nil) {
		id, err := ids.ImageID(ctx, base)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "\nFROM %s %s", base, id)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// checkBase says what to do when a recipe starts from the Debian base and
// the base is missing, rather than letting the engine fail to pull it.
// Other images a recipe starts from may be recipes built before it.
func checkBase(ctx context.Context, rt Runtime, r Recipe) error {
	data, err := os.ReadFile(filepath.Join(r.Dir, "Dockerfile"))
	if err != nil {
		return err
	}
	for _, base := range dockerfileBases(data, nil) {
		if !slices.Contains(BaseImages, base) {
			continue
		}
		ok, err := rt.ImageExists(ctx, base)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("image %s starts FROM %s, which is not on this engine: run `cordillera images bootstrap` first: %w", r.Name, base, ErrImageMissing)
		}
	}
	return nil
}

// dockerfileBases lists the images a Dockerfile starts FROM, with the
// build args, and the defaults of the ARGs declared before the first FROM,
// put in. It leaves out scratch, earlier stages of the same Dockerfile, and
// what still holds a variable once args are put in.
func dockerfileBases(dockerfile []byte, args map[string]string) []string {
	vars := map[string]string{}
	stages := map[string]bool{}
	var bases []string
	sawFrom := false
	for _, line := range strings.Split(string(dockerfile), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		switch strings.ToUpper(fields[0]) {
		case "ARG":
			if sawFrom {
				continue
			}
			name, def, _ := strings.Cut(fields[1], "=")
			vars[name] = strings.Trim(def, `"'`)
			if v, ok := args[name]; ok {
				vars[name] = v
			}
		case "FROM":
			sawFrom = true
			rest := fields[1:]
			for len(rest) > 0 && strings.HasPrefix(rest[0], "--") {
				rest = rest[1:]
			}
			if len(rest) == 0 {
				continue
			}
			unknown := false
			base := os.Expand(rest[0], func(name string) string {
				name, def, hasDef := strings.Cut(name, ":-")
				v, ok := vars[name]
				switch {
				case v != "":
					return v
				case hasDef:
					return def
				}
				unknown = unknown || !ok
				return v
			})
			if !unknown && base != "" && base != "scratch" && !stages[strings.ToLower(base)] && !slices.Contains(bases, base) {
				bases = append(bases, base)
			}
			if len(rest) >= 3 && strings.EqualFold(rest[1], "AS") {
				stages[strings.ToLower(rest[2])] = true
			}
		}
	}
	return bases
}

// contextRoot is a folder packed into a build context, under prefix.
type contextRoot struct {
	files  fs.FS
	prefix string // "" or a folder name ending in "/"
}

// contextTar packs build folders as the engine expects them, and hashes what
// it packed: names, modes and contents, not times, so that a fresh checkout
// of the same files gives the same hash.
func contextTar(roots ...contextRoot) ([]byte, string, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	sum := sha256.New()
	for _, root := range roots {
		if root.prefix != "" {
			name := strings.TrimSuffix(root.prefix, "/")
			fmt.Fprintf(sum, "d %s\n", name)
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: root.prefix, Mode: 0o755}); err != nil {
				return nil, "", err
			}
		}
		if err := packFolder(tw, sum, root.files, root.prefix); err != nil {
			return nil, "", err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), hex.EncodeToString(sum.Sum(nil)), nil
}

func packFolder(tw *tar.Writer, sum io.Writer, files fs.FS, prefix string) error {
	return fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == "." {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		name := prefix + path
		switch {
		case d.IsDir():
			fmt.Fprintf(sum, "d %s\n", name)
			return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: int64(info.Mode().Perm())})
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := fs.ReadLink(files, path)
			if err != nil {
				return err
			}
			fmt.Fprintf(sum, "l %s %s\n", name, target)
			return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777})
		case info.Mode().IsRegular():
			data, err := fs.ReadFile(files, path)
			if err != nil {
				return err
			}
			fmt.Fprintf(sum, "f %s %o %d\n", name, info.Mode().Perm(), len(data))
			sum.Write(data)
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: int64(info.Mode().Perm()), Size: int64(len(data))}); err != nil {
				return err
			}
			_, err = tw.Write(data)
			return err
		}
		return nil // sockets and devices have no place in a build context
	})
}
