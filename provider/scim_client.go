package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/scim"
)

// scimClient returns the provider's shared SCIM client, or an error naming
// the missing scim block.
func (d *ProviderData) scimClient(_ context.Context, resource string) (*scim.Client, error) {
	if d == nil || d.SCIM == nil {
		return nil, missingBlockError{block: "scim", resource: resource}
	}
	s := d.SCIM
	return client(d, "scim", func() (*scim.Client, error) {
		hc, err := s.TLS.HTTPClient(60 * time.Second)
		if err != nil {
			return nil, fmt.Errorf("scim: %w", err)
		}
		return scim.New(scim.Options{URL: s.URL, Token: s.Token, HTTPClient: hc, UserAgent: d.UserAgent})
	})
}

// scimImport resolves an import ID: "<prefix>:<name>" is looked up with
// byName (a filter query), anything else is a SCIM id read with byID.
func scimImport[T any](ctx context.Context, id, prefix string, byName, byID func(context.Context, string) (T, error)) (T, error) {
	if v, ok := strings.CutPrefix(id, prefix+":"); ok {
		return byName(ctx, v)
	}
	return byID(ctx, id)
}

// scimErr formats a SCIM failure for a diagnostic detail: the provider's
// status, scimType and detail when it sent a SCIM error body.
func scimErr(err error) string {
	var e *scim.Error
	if errors.As(err, &e) {
		return "SCIM: " + e.Error()
	}
	return fmt.Sprintf("SCIM: %v", err)
}

// scimStr maps "" to null, the way the provider omits unset attributes.
func scimStr(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// scimIDSet builds a set of ids (never null).
func scimIDSet(ids []string) types.Set {
	vals := make([]attr.Value, 0, len(ids))
	for _, id := range ids {
		vals = append(vals, types.StringValue(id))
	}
	return types.SetValueMust(types.StringType, vals)
}

// scimVersionAttribute is the version a SCIM resource was last seen at.
var scimVersionAttribute = computedString("Resource version (`meta.version` / ETag) last seen; sent as `If-Match` on changes.")
