package scenarios

import "math/bits"

// minTeamShare is the /24s of the address pool every team gets at least:
// room for the scenario to grow without moving teams.
const minTeamShare = 16

// TeamShare is how many /24s of the exercise's address pool each team gets:
// 16, or for a scenario with more networks without a subnet, the smallest
// power of two that holds them. It is 0 when the scenario writes every
// network's subnet: such a scenario takes nothing from the pool.
func TeamShare(sc *Scenario) int {
	auto := 0
	for _, n := range sc.Networks {
		if n.Subnet == nil {
			auto++
		}
	}
	switch {
	case auto == 0:
		return 0
	case auto <= minTeamShare:
		return minTeamShare
	}
	return 1 << bits.Len(uint(auto-1))
}

// PoolBits is the prefix length of the smallest address pool that holds
// the shares (TeamShare) of n teams of the scenario, a power of two of
// /24s: /20 for one team, /19 for two, /18 for three or four, and so on.
// It is 0 when the scenario takes nothing from the pool, and may be below
// 8 for more teams than any IPv4 private range holds.
func PoolBits(sc *Scenario, n int) int {
	share := TeamShare(sc)
	if share == 0 || n < 1 {
		return 0
	}
	need := uint(share * n)
	return 24 - bits.Len(need-1)
}
