// Package dockertest holds what tests that run against a real Docker engine
// share: the range host image they deploy and a free address pool to deploy
// it in.
//
// No image can be pulled where those tests run, so [BuildImage] builds
// [Image], a FROM scratch image holding the static Go program in
// orchestrator/docker/testdata/rangehost, and rebuilds it only when that
// program changes. It must be called from within the module, as tests are.
package dockertest

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
)

// Image is the range host image. Its command is ["/rangehost", "serve"];
// see testdata/rangehost for what else the binary does.
const Image = "cordillera/test-rangehost:dev"

// sourceLabel on the image holds a hash of what it was built from.
const sourceLabel = "cordillera.test.source"

const rangehostPackage = "github.com/cordillera-range/cordillera/orchestrator/docker/testdata/rangehost"

// Client connects to the engine as the docker command would.
func Client() (*client.Client, error) {
	return client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
}

// BuildImage builds the range host for the engine's architecture and makes
// [Image] of it, unless the image on the engine is already that. It returns
// the image's name.
func BuildImage(ctx context.Context, engine *client.Client) (string, error) {
	if err := buildImage(ctx, engine); err != nil {
		return "", fmt.Errorf("build %s: %w", Image, err)
	}
	return Image, nil
}

func buildImage(ctx context.Context, engine *client.Client) error {
	info, err := engine.Info(ctx)
	if err != nil {
		return err
	}
	goarch := map[string]string{"x86_64": "amd64", "aarch64": "arm64"}[info.Architecture]
	if goarch == "" {
		return fmt.Errorf("no Go architecture for an engine on %q", info.Architecture)
	}
	dir, err := os.MkdirTemp("", "rangehost")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "rangehost")
	// By import path, so that it builds from any package of the module.
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, rangehostPackage)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", rangehostPackage, err, out)
	}
	binary, err := os.ReadFile(bin)
	if err != nil {
		return err
	}
	return buildContext(ctx, engine, Image, []file{
		{"Dockerfile", 0o644, []byte("FROM scratch\nCOPY rangehost /rangehost\nCOPY original.txt /srv/original.txt\nCMD [\"/rangehost\", \"serve\"]\n")},
		{"rangehost", 0o755, binary},
		{"original.txt", 0o644, []byte("original\n")},
	})
}

// file is one file of a build context.
type file struct {
	name string
	mode int64
	data []byte
}

// buildContext builds the image of the files as its context, unless the
// image on the engine was built from the same files.
func buildContext(ctx context.Context, engine *client.Client, tag string, files []file) error {
	sum := sha256.New()
	var tarball bytes.Buffer
	tw := tar.NewWriter(&tarball)
	for _, f := range files {
		fmt.Fprintf(sum, "%s %d %d\n", f.name, f.mode, len(f.data))
		sum.Write(f.data)
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data))}); err != nil {
			return err
		}
		if _, err := tw.Write(f.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	source := hex.EncodeToString(sum.Sum(nil))

	old, err := engine.ImageInspect(ctx, tag)
	if err == nil && old.Config != nil && old.Config.Labels[sourceLabel] == source {
		return nil
	}
	resp, err := engine.ImageBuild(ctx, &tarball, build.ImageBuildOptions{
		Tags: []string{tag}, Labels: map[string]string{sourceLabel: source},
		Remove: true, ForceRemove: true,
	})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	for {
		var msg struct {
			Error string `json:"error"`
		}
		if err := dec.Decode(&msg); err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		if msg.Error != "" {
			return errors.New(msg.Error)
		}
	}
	// The image this one replaces would be left untagged.
	if old.ID != "" {
		_, _ = engine.ImageRemove(ctx, old.ID, image.RemoveOptions{PruneChildren: true})
	}
	return nil
}

// FreePool picks a /16 of within that no network on the engine overlaps,
// starting at a random one, so that leftover or parallel runs and real
// exercises stay apart. Test packages that may run at the same time should
// pick from different ranges.
func FreePool(ctx context.Context, engine *client.Client, within netip.Prefix) (netip.Prefix, error) {
	if !within.Addr().Is4() || within.Bits() < 8 || within.Bits() > 16 {
		return netip.Prefix{}, fmt.Errorf("free pool: %s is not an IPv4 range of /16s", within)
	}
	within = within.Masked()
	list, err := engine.NetworkList(ctx, network.ListOptions{})
	if err != nil {
		return netip.Prefix{}, err
	}
	var taken []netip.Prefix
	for _, n := range list {
		for _, c := range n.IPAM.Config {
			if p, err := netip.ParsePrefix(c.Subnet); err == nil {
				taken = append(taken, p)
			}
		}
	}
	count := 1 << (16 - within.Bits())
	var b [2]byte
	rand.Read(b[:])
	start := int(b[0])<<8 | int(b[1])
	base := within.Addr().As4()
	for i := range count {
		a := base
		a[1] += byte((start + i) % count)
		p := netip.PrefixFrom(netip.AddrFrom4(a), 16)
		free := true
		for _, t := range taken {
			free = free && !t.Overlaps(p)
		}
		if free {
			return p, nil
		}
	}
	return netip.Prefix{}, fmt.Errorf("every /16 of %s is in use on the engine", within)
}
