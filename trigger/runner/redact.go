package runner

import (
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// secretValues are the configured values that must never appear in a
// stored error or output.
func (r *Runner) secretValues() []string {
	var out []string
	for k, v := range r.Cfg.ProviderEnv {
		u := strings.ToUpper(k)
		if len(v) >= 4 && (strings.Contains(u, "PASSWORD") || strings.Contains(u, "SECRET") || strings.Contains(u, "TOKEN")) {
			out = append(out, v)
		}
	}
	out = append(out, r.dbSecrets...)
	r.specSecrets.Range(func(k, _ any) bool {
		out = append(out, k.(string))
		return true
	})
	// Longest first, so a secret containing another is hidden whole.
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// databaseSecrets returns the password of the database connection string,
// URL (postgres://user:pw@host/db) or keyword/value (host=h password=pw),
// as libpq reads it (PGPASSWORD included), in the forms an error may quote
// it: as given and URL-escaped.
func databaseSecrets(conn string) []string {
	if conn == "" {
		return nil
	}
	cfg, err := pgconn.ParseConfig(conn)
	if err != nil || len(cfg.Password) < 4 {
		return nil
	}
	pw := cfg.Password
	forms := []string{pw, url.QueryEscape(pw), url.PathEscape(pw), strings.TrimPrefix(url.UserPassword("", pw).String(), ":")}
	var out []string
	for _, f := range forms {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

func (r *Runner) redact(s string) string {
	for _, v := range r.secretValues() {
		s = strings.ReplaceAll(s, v, "(sensitive)")
	}
	return s
}
