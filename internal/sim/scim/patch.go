package scim

import (
	"fmt"
	"reflect"
	"strings"

	elscim "github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/filter"
	"github.com/elimity-com/scim/schema"
	fp "github.com/scim2/filter-parser/v2"
)

// apply applies one PATCH operation (RFC 7644 §3.5.2) to the attributes a.
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
