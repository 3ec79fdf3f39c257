package tfmirror

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteCLIConfigNamesOnlyTheMirror(t *testing.T) {
	path := filepath.Join(t.TempDir(), "terraformrc")
	mirror := `/srv/mirror "quoted"`
	if err := WriteCLIConfig(path, mirror); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	got := string(b)
	for _, want := range []string{`path    = "/srv/mirror \"quoted\""`, `include = ["` + ProviderAddress + `"]`, "disable_checkpoint = true"} {
		if !strings.Contains(got, want) {
			t.Errorf("config lacks %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, "direct") {
		t.Errorf("config allows direct downloads:\n%s", got)
	}
}

func TestCLIConfigForANetworkMirror(t *testing.T) {
	for _, url := range []string{"https://mirror.example.com/providers", "https://mirror.example.com/providers/"} {
		got := CLIConfig(url)
		for _, want := range []string{"network_mirror {", `url     = "https://mirror.example.com/providers/"`, `include = ["` + ProviderAddress + `"]`} {
			if !strings.Contains(got, want) {
				t.Errorf("CLIConfig(%q) lacks %s:\n%s", url, want, got)
			}
		}
		if strings.Contains(got, "filesystem_mirror") || strings.Contains(got, "direct") {
			t.Errorf("CLIConfig(%q) names another source:\n%s", url, got)
		}
	}
	if IsNetwork("/srv/mirror") || IsNetwork("http://mirror.example.com/") || !IsNetwork("https://mirror.example.com/") {
		t.Error("IsNetwork takes https:// URLs only")
	}
}
