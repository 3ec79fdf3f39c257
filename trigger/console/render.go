package console

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// page is what every template receives.
type page struct {
	Title   string
	Session Session
	Nav     string
	Data    any
	// Live is the page's server-sent events stream, when it has one (a
	// data map's "Live"): live.js then keeps the page up to date.
	Live string
}

var funcs = template.FuncMap{
	"when": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			return v.UTC().Format("2006-01-02 15:04:05 UTC")
		case *time.Time:
			if v == nil {
				return "—"
			}
			return v.UTC().Format("2006-01-02 15:04:05 UTC")
		}
		return fmt.Sprint(t)
	},
	"lower": strings.ToLower,
	"query": url.QueryEscape,
}

// parsePages parses each page template together with the layout.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", n, err)
		}
		pages[base] = t
	}
	return pages, nil
}

// render writes a page; the template's output is buffered so that a
// failure halfway yields a clean error page instead of half a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, code int, name string, s Session, data any) {
	titles := map[string]string{"tenants": "Tenants", "tenant": "Tenant", "run": "Run", "approvals": "Approvals",
		"drift": "Drift", "rollouts": "Rollouts", "error": "Error", "signedout": "Signed out"}
	var live string
	if m, ok := data.(map[string]any); ok {
		live, _ = m["Live"].(string)
	}
	var buf bytes.Buffer
	if err := c.pages[name].Execute(&buf, page{Title: titles[name], Session: s, Nav: name, Data: data, Live: live}); err != nil {
		c.Log.Error("console template", "page", name, "error", err.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = buf.WriteTo(w)
}

func (c *Console) errorPage(w http.ResponseWriter, r *http.Request, code int, msg string) {
	s, _ := c.session(r)
	c.render(w, r, code, "error", s, map[string]any{"Code": code, "Status": http.StatusText(code), "Message": msg})
}

func (c *Console) serverError(w http.ResponseWriter, r *http.Request, err error) {
	c.Log.Error("console", "path", r.URL.Path, "error", c.cfg.Redactor.Redact(err.Error()))
	c.errorPage(w, r, http.StatusInternalServerError, "Something went wrong on the server; the log has the details.")
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

func serveCSS(w http.ResponseWriter, _ *http.Request) {
	b, _ := templateFS.ReadFile("templates/style.css")
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "max-age=300")
	_, _ = w.Write(b)
}
