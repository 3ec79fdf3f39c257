package scim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	elscim "github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/filter"
	"github.com/elimity-com/scim/schema"
	fp "github.com/scim2/filter-parser/v2"
)

// handler is the library's ResourceHandler over one store.
type handler struct {
	s    *Server
	st   *store
	core schema.Schema
	exts []schema.Schema
}

var _ elscim.ResourceHandler = &handler{}

func (h *handler) Create(r *http.Request, attrs elscim.ResourceAttributes) (elscim.Resource, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	a := normalize(attrs)
	if err := h.check(a, ""); err != nil {
		return elscim.Resource{}, err
	}
	s.seq++
	now := time.Now().UTC()
	rec := &record{id: newID(h.st.kind, s.seq), seq: s.seq, attrs: a, version: 1, created: now, modified: now}
	h.st.records[rec.id] = rec
	return h.resource(rec), nil
}

func (h *handler) Get(r *http.Request, id string) (elscim.Resource, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := h.st.records[id]
	if !ok {
		return elscim.Resource{}, scimerrors.ScimErrorResourceNotFound(id)
	}
	return h.resource(rec), nil
}

func (h *handler) GetAll(r *http.Request, params elscim.ListRequestParams) (elscim.Page, error) {
	var v *filter.Validator
	if raw := strings.TrimSpace(r.URL.Query().Get("filter")); raw != "" {
		// Re-parse so that escaped characters in string literals (\" and \\)
		// compare as the characters they stand for.
		expr, err := fp.ParseFilter([]byte(raw))
		if err != nil {
			return elscim.Page{}, scimerrors.ScimErrorInvalidFilter
		}
		unescapeFilter(expr)
		fv := filter.NewFilterValidator(expr, h.withCommon(), h.exts...)
		v = &fv
	}
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	recs := make([]*record, 0, len(h.st.records))
	for _, rec := range h.st.records {
		recs = append(recs, rec)
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].seq < recs[j].seq })
	var match []*record
	for _, rec := range recs {
		if v != nil {
			m := normalize(rec.attrs)
			m["id"] = rec.id
			if err := v.PassesFilter(m); err != nil {
				continue
			}
		}
		match = append(match, rec)
	}
	page := elscim.Page{TotalResults: len(match), Resources: []elscim.Resource{}}
	start := params.StartIndex - 1
	if start < 0 {
		start = 0
	}
	for i := start; i < len(match) && len(page.Resources) < params.Count; i++ {
		page.Resources = append(page.Resources, h.resource(match[i]))
	}
	return page, nil
}

func (h *handler) Replace(r *http.Request, id string, attrs elscim.ResourceAttributes) (elscim.Resource, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := h.writable(r, id)
	if err != nil {
		return elscim.Resource{}, err
	}
	a := normalize(attrs)
	if err := h.check(a, id); err != nil {
		return elscim.Resource{}, err
	}
	rec.attrs = a
	h.bump(rec)
	return h.resource(rec), nil
}

func (h *handler) Delete(r *http.Request, id string) error {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := h.writable(r, id); err != nil {
		return err
	}
	s.deleteLocked(h.st, id)
	return nil
}

func (h *handler) Patch(r *http.Request, id string, ops []elscim.PatchOperation) (elscim.Resource, error) {
	if h.s.opts.DisablePatch {
		return elscim.Resource{}, scimerrors.ScimError{Status: http.StatusNotImplemented, Detail: "PATCH is not supported by this service provider; use PUT."}
	}
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := h.writable(r, id)
	if err != nil {
		return elscim.Resource{}, err
	}
	a := normalize(rec.attrs)
	for _, op := range ops {
		if err := h.apply(a, op); err != nil {
			return elscim.Resource{}, err
		}
	}
	a = normalize(a)
	if err := h.check(a, id); err != nil {
		return elscim.Resource{}, err
	}
	rec.attrs = a
	h.bump(rec)
	return h.resource(rec), nil
}

// writable finds a record for a write and enforces If-Match. Callers hold s.mu.
func (h *handler) writable(r *http.Request, id string) (*record, error) {
	rec, ok := h.st.records[id]
	if !ok {
		return nil, scimerrors.ScimErrorResourceNotFound(id)
	}
	if h.s.collide[id] && r.Method != http.MethodDelete {
		// Another writer got there first.
		delete(h.s.collide, id)
		h.bump(rec)
	}
	if h.s.opts.DisableETag {
		return rec, nil
	}
	if im := strings.TrimSpace(r.Header.Get("If-Match")); im != "" && im != "*" {
		cur := weak(etag(rec.version))
		for _, t := range strings.Split(im, ",") {
			if weak(strings.TrimSpace(t)) == cur {
				return rec, nil
			}
		}
		return nil, scimerrors.ScimError{
			Status: http.StatusPreconditionFailed,
			Detail: fmt.Sprintf("%s %s was modified: If-Match %s does not match the current version %s.", h.st.kind, id, im, etag(rec.version)),
		}
	}
	return rec, nil
}

func (h *handler) bump(rec *record) {
	rec.version++
	rec.modified = time.Now().UTC()
}

// check enforces the provider's rules: userName present and unique
// (case-insensitive), group members referring to stored resources.
func (h *handler) check(a map[string]any, self string) error {
	s := h.s
	switch h.st.kind {
	case "User":
		name := str(a["userName"])
		if name == "" {
			return scimerrors.ScimError{ScimType: scimerrors.ScimTypeInvalidValue, Detail: "userName is required.", Status: http.StatusBadRequest}
		}
		for id, rec := range s.users.records {
			if id != self && strings.EqualFold(str(rec.attrs["userName"]), name) {
				return scimerrors.ScimError{ScimType: scimerrors.ScimTypeUniqueness,
					Detail: fmt.Sprintf("userName %q is already taken.", name), Status: http.StatusConflict}
			}
		}
	case "Group":
		ms, _ := a["members"].([]any)
		for _, m := range ms {
			mm, _ := m.(map[string]any)
			v := str(mm["value"])
			_, u := s.users.records[v]
			_, g := s.groups.records[v]
			if !u && !g {
				return scimerrors.ScimError{ScimType: scimerrors.ScimTypeInvalidValue,
					Detail: fmt.Sprintf("member %q is neither a user nor a group.", v), Status: http.StatusBadRequest}
			}
		}
	}
	return nil
}

func (h *handler) resource(rec *record) elscim.Resource {
	created, modified := rec.created, rec.modified
	return elscim.Resource{
		ID:         rec.id,
		Attributes: normalize(rec.attrs),
		Meta:       elscim.Meta{Created: &created, LastModified: &modified, Version: etag(rec.version)},
	}
}

func (h *handler) withCommon() schema.Schema {
	s := h.core
	attrs := append([]schema.CoreAttribute{}, s.Attributes...)
	s.Attributes = append(attrs, schema.CommonAttributes()...)
	return s
}

func (h *handler) ext(uri string) *schema.Schema {
	for i := range h.exts {
		if strings.EqualFold(h.exts[i].ID, uri) {
			return &h.exts[i]
		}
	}
	return nil
}

// unescapeFilter turns the raw text of string literals into their values.
func unescapeFilter(e fp.Expression) {
	switch x := e.(type) {
	case *fp.AttributeExpression:
		if s, ok := x.CompareValue.(string); ok && strings.Contains(s, `\`) {
			var u string
			if json.Unmarshal([]byte(`"`+s+`"`), &u) == nil {
				x.CompareValue = u
			}
		}
	case *fp.LogicalExpression:
		unescapeFilter(x.Left)
		unescapeFilter(x.Right)
	case *fp.NotExpression:
		unescapeFilter(x.Expression)
	case *fp.ValuePath:
		unescapeFilter(x.ValueFilter)
	}
}

func etag(v int) string { return `W/"` + strconv.Itoa(v) + `"` }

func weak(t string) string { return strings.TrimPrefix(t, "W/") }

func newID(kind string, seq int) string {
	return fmt.Sprintf("%s-%04d-%x", strings.ToLower(kind[:1]), seq, time.Now().UnixNano()&0xffffff)
}
