package contract

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// kcSpecCache keeps the last description loaded: it takes a good part of
// a second to load and route, and the package tests check many small
// traffics. A kcSpec is not changed once built.
var kcSpecCache struct {
	sync.Mutex
	file string
	spec *kcSpec
}

func cachedKeycloakSpec(file string) (*kcSpec, error) {
	kcSpecCache.Lock()
	defer kcSpecCache.Unlock()
	if kcSpecCache.spec != nil && kcSpecCache.file == file {
		return kcSpecCache.spec, nil
	}
	spec, err := loadKeycloakSpec(file)
	if err != nil {
		return nil, err
	}
	kcSpecCache.file, kcSpecCache.spec = file, spec
	return spec, nil
}

func loadKeycloakSpec(file string) (*kcSpec, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	raw, err = kcRepair(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", file, err)
	}
	kcWidenStringCollections(doc)
	kcClosedObjects(doc)
	// The description's formats are int32, int64 and binary; binary has no
	// validator of its own and marks raw bodies (openapi3filter reads
	// them as files), so a format without a validator must not fail the
	// description. Known formats are still checked in bodies.
	if err := doc.Validate(loader.Context, openapi3.DisableSchemaFormatValidation()); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(doc.Servers) != 1 {
		return nil, fmt.Errorf("%s: want one server, found %d", file, len(doc.Servers))
	}
	srv, err := url.Parse(doc.Servers[0].URL)
	if err != nil || srv.Host == "" {
		return nil, fmt.Errorf("%s: server URL %q is not absolute", file, doc.Servers[0].URL)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route %s: %w", file, err)
	}
	bodies := map[string]*openapi3.Schema{}
	for key, name := range kcTypedAnswers {
		item := doc.Components.Schemas[name]
		if item == nil {
			return nil, fmt.Errorf("%s: no schema %s", file, name)
		}
		bodies[key] = openapi3.NewArraySchema().WithItems(item.Value)
	}
	spec := &kcSpec{
		bodies: bodies,
		router: router,
		origin: srv.Scheme + "://" + srv.Host,
		base:   strings.TrimRight(srv.Path, "/"),
		opts: &openapi3filter.Options{
			// The description declares bearer auth globally; the
			// simulator's own token checks are exercised by its tests.
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			MultiError:         true,
		},
	}
	spec.opts.WithCustomSchemaErrorFunc(kcSchemaError)
	return spec, nil
}

// kcAnyType is the name Keycloak's OpenAPI generator gives a Java Object
// (ConfigPropertyRepresentation.defaultValue refers to it) without defining
// it; the description cannot be resolved without it.
const kcAnyType = "oas_any_type_not_mapped"

// kcRepair mends two slips of Keycloak's OpenAPI generator that keep the
// description from loading, each by what the generator meant, so no
// constraint the description states is dropped: the undefined
// oas_any_type_not_mapped becomes a schema accepting any value, and an array
// schema without items (Map<String, List<...>> values such as
// ComponentRepresentation.config, which OpenAPI 3.0 requires to name their
// items) gets items accepting any value, which is what JSON Schema reads an
// absent items as.
func kcRepair(raw []byte) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	comps, _ := doc["components"].(map[string]any)
	if schemas, _ := comps["schemas"].(map[string]any); schemas != nil {
		if _, ok := schemas[kcAnyType]; !ok {
			schemas[kcAnyType] = map[string]any{}
		}
	}
	kcItemsForArrays(doc)
	return json.Marshal(doc)
}

func kcItemsForArrays(v any) {
	switch n := v.(type) {
	case map[string]any:
		if n["type"] == "array" && n["items"] == nil {
			n["items"] = map[string]any{}
		}
		for _, c := range n {
			kcItemsForArrays(c)
		}
	case []any:
		for _, c := range n {
			kcItemsForArrays(c)
		}
	}
}

// kcWidenStringCollections repairs one known loss in the description.
// Keycloak's API documentation writes a body of Map<String,String> or
// List<String> as "[string]" (e.g. "New execution JSON data containing
// 'provider' attribute" for .../executions/execution, "JSON containing
// 'newName' attribute" for .../flows/{flowAlias}/copy); the OpenAPI
// conversion kept the description "[string]" but turned the schema into a
// bare string, which no Keycloak server accepts for these operations. Such a
// body is read as what "[string]" means: an object of strings or an array
// of strings. Every other schema is used as published.
func kcWidenStringCollections(doc *openapi3.T) {
	collection := &openapi3.Schema{OneOf: openapi3.SchemaRefs{
		{Value: &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeObject},
			AdditionalProperties: openapi3.AdditionalProperties{Schema: &openapi3.SchemaRef{Value: openapi3.NewStringSchema()}}}},
		{Value: &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeArray}, Items: &openapi3.SchemaRef{Value: openapi3.NewStringSchema()}}},
	}}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody == nil || op.RequestBody.Value == nil || op.RequestBody.Value.Description != "[string]" {
				continue
			}
			for _, mt := range op.RequestBody.Value.Content {
				if s := mt.Schema; s != nil && s.Value != nil && s.Value.Type.Is(openapi3.TypeString) && s.Value.Format == "" {
					mt.Schema = &openapi3.SchemaRef{Value: collection}
				}
			}
		}
	}
}

// kcClosedObjects makes every object schema that names its properties
// refuse properties it does not name. The description was generated from
// Keycloak 23's representation classes, and Keycloak's Jackson binding fails
// on a property a class lacks (400 "Unrecognized field \"x\" (class
// org.keycloak.representations.idm.RealmRepresentation), not marked as
// ignorable", e.g. keycloak/keycloak#32025, #39414) and writes only the
// class's own fields: a property the description does not name is one a
// Keycloak 23 would refuse in a request and never send in a response.
// Objects the description leaves open (maps, "any type") stay open.
func kcClosedObjects(doc *openapi3.T) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(ref *openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if len(s.Properties) > 0 && s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil {
			closed := false
			s.AdditionalProperties.Has = &closed
		}
		for _, p := range s.Properties {
			walk(p)
		}
		walk(s.Items)
		walk(s.AdditionalProperties.Schema)
		for _, l := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf, s.AllOf} {
			for _, x := range l {
				walk(x)
			}
		}
	}
	for _, ref := range doc.Components.Schemas {
		walk(ref)
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for _, mt := range op.RequestBody.Value.Content {
					walk(mt.Schema)
				}
			}
			for _, resp := range op.Responses.Map() {
				if resp.Value != nil {
					for _, mt := range resp.Value.Content {
						walk(mt.Schema)
					}
				}
			}
		}
	}
}
