package scim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
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

// ---- PATCH ----

func (h *handler) apply(a map[string]any, op elscim.PatchOperation) error {
	if op.Path != nil {
		return h.applyPath(a, op.Op, op.Path, op.Value)
	}
	m, ok := op.Value.(map[string]any)
	if !ok {
		return scimerrors.ScimErrorInvalidValue
	}
	for k, v := range m {
		if ext := h.ext(k); ext != nil {
			sub, _ := v.(map[string]any)
			for sk, sv := range sub {
				p, err := fp.ParsePath([]byte(ext.ID + ":" + sk))
				if err != nil {
					return scimerrors.ScimErrorInvalidPath
				}
				if err := h.applyPath(a, op.Op, &p, sv); err != nil {
					return err
				}
			}
			continue
		}
		p, err := fp.ParsePath([]byte(k))
		if err != nil {
			return scimerrors.ScimErrorInvalidPath
		}
		if err := h.applyPath(a, op.Op, &p, v); err != nil {
			return err
		}
	}
	return nil
}

func (h *handler) applyPath(a map[string]any, op string, p *fp.Path, value any) error {
	op = strings.ToLower(op)
	container, sch := a, h.withCommon()
	if uri := p.AttributePath.URI(); uri != "" && !strings.EqualFold(uri, h.core.ID) {
		ext := h.ext(uri)
		if ext == nil {
			return scimerrors.ScimErrorInvalidPath
		}
		sch = *ext
		c, _ := a[ext.ID].(map[string]any)
		if c == nil {
			if op == "remove" {
				return nil
			}
			c = map[string]any{}
			a[ext.ID] = c
		}
		container = c
		defer func() {
			if len(c) == 0 {
				delete(a, ext.ID)
			}
		}()
	}
	attr, ok := sch.Attributes.ContainsAttribute(p.AttributePath.AttributeName)
	if !ok {
		return scimerrors.ScimErrorNoTarget
	}
	name := attr.Name()

	if p.ValueExpression != nil {
		unescapeFilter(p.ValueExpression)
		v := filter.NewFilterValidator(p.ValueExpression, schema.Schema{Attributes: filter.MultiValuedFilterAttributes(attr)})
		target := p.SubAttributeName()
		list, _ := container[name].([]any)
		var out []any
		matched := false
		for _, e := range list {
			em, _ := e.(map[string]any)
			if em == nil || v.PassesFilter(em) != nil {
				out = append(out, e)
				continue
			}
			matched = true
			switch {
			case op == "remove" && target == "":
				continue
			case op == "remove":
				delete(em, target)
			case target != "":
				em[target] = value
			default:
				if vm, ok := value.(map[string]any); ok {
					for k, x := range vm {
						em[k] = x
					}
				}
			}
			out = append(out, em)
		}
		if !matched && op == "replace" {
			return scimerrors.ScimErrorNoTarget
		}
		setList(container, name, out)
		return nil
	}

	if sub := p.AttributePath.SubAttributeName(); sub != "" {
		m, _ := container[name].(map[string]any)
		if op == "remove" {
			if m != nil {
				delete(m, sub)
				if len(m) == 0 {
					delete(container, name)
				}
			}
			return nil
		}
		if m == nil {
			m = map[string]any{}
			container[name] = m
		}
		m[sub] = value
		return nil
	}

	switch op {
	case "remove":
		if value != nil && attr.MultiValued() {
			list, _ := container[name].([]any)
			rm, _ := value.([]any)
			var out []any
			for _, e := range list {
				if !containsValue(rm, e) {
					out = append(out, e)
				}
			}
			setList(container, name, out)
			return nil
		}
		delete(container, name)
	case "replace":
		container[name] = value
	case "add":
		switch {
		case attr.MultiValued():
			list, _ := container[name].([]any)
			add, _ := value.([]any)
			for _, e := range add {
				if !containsValue(list, e) {
					list = append(list, e)
				}
			}
			setList(container, name, list)
		case attr.HasSubAttributes():
			m, _ := container[name].(map[string]any)
			vm, _ := value.(map[string]any)
			if m == nil {
				m = map[string]any{}
			}
			for k, x := range vm {
				m[k] = x
			}
			container[name] = m
		default:
			container[name] = value
		}
	default:
		return scimerrors.ScimErrorInvalidSyntax
	}
	return nil
}

func setList(m map[string]any, k string, l []any) {
	if len(l) == 0 {
		delete(m, k)
	} else {
		m[k] = l
	}
}

// containsValue matches multi-valued entries by their "value" sub-attribute
// when they have one, else by deep equality.
func containsValue(list []any, e any) bool {
	em, _ := e.(map[string]any)
	for _, x := range list {
		xm, _ := x.(map[string]any)
		if em != nil && xm != nil && em["value"] != nil {
			if fmt.Sprint(em["value"]) == fmt.Sprint(xm["value"]) {
				return true
			}
			continue
		}
		if reflect.DeepEqual(normalizeAny(x), normalizeAny(e)) {
			return true
		}
	}
	return false
}

func normalizeAny(v any) any {
	return normalize(map[string]any{"v": v})["v"]
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
