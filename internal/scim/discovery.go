package scim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Capabilities is what discovery learned about the service provider.
type Capabilities struct {
	Patch, ETag, Filter, Bulk, Sort bool
	FilterMaxResults                int
	BulkMaxOperations               int
	// UserExtensions lists the schema extensions of the User resource type.
	UserExtensions []string
	// Schemas lists the schema URIs /Schemas returned.
	Schemas []string
	// Endpoints maps a resource type name (User, Group) to its endpoint.
	Endpoints map[string]string
}

// SupportsEnterprise reports whether users carry the enterprise extension.
// A provider that does not publish resource types is given the benefit of
// the doubt.
func (c *Capabilities) SupportsEnterprise() bool {
	if len(c.Endpoints) == 0 {
		return true
	}
	for _, e := range c.UserExtensions {
		if e == EnterpriseSchema {
			return true
		}
	}
	return false
}

// Capabilities runs discovery once (ServiceProviderConfig, ResourceTypes,
// Schemas) and caches the result. A provider that does not implement the
// optional ResourceTypes/Schemas endpoints is tolerated.
func (c *Client) Capabilities(ctx context.Context) (*Capabilities, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.caps != nil {
		return c.caps, nil
	}
	var spc struct {
		Patch  struct{ Supported bool } `json:"patch"`
		ETag   struct{ Supported bool } `json:"etag"`
		Sort   struct{ Supported bool } `json:"sort"`
		Filter struct {
			Supported  bool
			MaxResults int `json:"maxResults"`
		} `json:"filter"`
		Bulk struct {
			Supported     bool
			MaxOperations int `json:"maxOperations"`
		} `json:"bulk"`
	}
	if _, err := c.do(ctx, http.MethodGet, "/ServiceProviderConfig", nil, nil, "", &spc); err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	caps := &Capabilities{
		Patch: spc.Patch.Supported, ETag: spc.ETag.Supported, Filter: spc.Filter.Supported,
		Bulk: spc.Bulk.Supported, Sort: spc.Sort.Supported,
		FilterMaxResults: spc.Filter.MaxResults, BulkMaxOperations: spc.Bulk.MaxOperations,
		Endpoints: map[string]string{},
	}
	var rts listResponse[struct {
		Name             string `json:"name"`
		Endpoint         string `json:"endpoint"`
		Schema           string `json:"schema"`
		SchemaExtensions []struct {
			Schema string `json:"schema"`
		} `json:"schemaExtensions"`
	}]
	if _, err := c.do(ctx, http.MethodGet, "/ResourceTypes", nil, nil, "", &rts); err == nil {
		for _, rt := range rts.Resources {
			caps.Endpoints[rt.Name] = rt.Endpoint
			if rt.Schema == UserSchema {
				for _, e := range rt.SchemaExtensions {
					caps.UserExtensions = append(caps.UserExtensions, e.Schema)
				}
			}
		}
	} else if !optionalEndpoint(err) {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	var schemas listResponse[struct {
		ID string `json:"id"`
	}]
	if _, err := c.do(ctx, http.MethodGet, "/Schemas", nil, nil, "", &schemas); err == nil {
		for _, s := range schemas.Resources {
			caps.Schemas = append(caps.Schemas, s.ID)
		}
	} else if !optionalEndpoint(err) {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	c.caps = caps
	return caps, nil
}

func optionalEndpoint(err error) bool {
	return errors.Is(err, ErrNotFound) || errors.Is(err, ErrNotImplemented)
}

func (c *Client) endpoint(ctx context.Context, typ, def string) string {
	if caps, err := c.Capabilities(ctx); err == nil {
		if e := caps.Endpoints[typ]; e != "" {
			return "/" + strings.TrimLeft(e, "/")
		}
	}
	return def
}
