package hold

import (
	"testing"
	"time"
)

func TestRetentionByTier(t *testing.T) {
	tiers, err := ParseTiers(" standard=24h, premium-dr=2160h ,")
	if err != nil {
		t.Fatal(err)
	}
	r := Retention{Default: DefaultRetention, Tiers: tiers}
	for tier, want := range map[string]time.Duration{"standard": 24 * time.Hour, "premium-dr": 2160 * time.Hour, "other": 720 * time.Hour} {
		if got := r.For(tier); got != want {
			t.Errorf("%s: %s, want %s", tier, got, want)
		}
	}
	for _, bad := range []string{"standard", "standard=soon", "=24h", "standard=-1h"} {
		if _, err := ParseTiers(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
