package dockertest

import (
	"context"
	"net/netip"
	"testing"
)

// SwarmForTest builds NodeImage, starts a swarm of n nodes on a free /24
// within pool (a range of /16s apart from the other packages' tests), loads
// the images into its manager, and removes it all when the test ends.
func SwarmForTest(ctx context.Context, t testing.TB, engine *Engine, name string, pool netip.Prefix, n int, images ...string) *Swarm {
	t.Helper()
	if err := BuildNodeImage(ctx, engine); err != nil {
		t.Fatal(err)
	}
	free, err := FreePool(ctx, engine, pool)
	if err != nil {
		t.Fatal(err)
	}
	sw, err := StartSwarm(ctx, engine, name, netip.PrefixFrom(free.Addr(), 24), n, images...)
	if err != nil {
		t.Fatalf("start the swarm: %v", err)
	}
	t.Cleanup(func() {
		if err := sw.Close(context.Background()); err != nil {
			t.Errorf("remove the swarm: %v", err)
		}
	})
	return sw
}
