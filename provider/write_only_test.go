package provider

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// resourceSchemas are the schemas of the provider's resources, by type name.
func resourceSchemas(t *testing.T) map[string]schema.Schema {
	t.Helper()
	ctx := context.Background()
	out := map[string]schema.Schema{}
	for _, newResource := range New("test")().Resources(ctx) {
		r := newResource()
		var md resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "tenantops"}, &md)
		var sr resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &sr)
		if sr.Diagnostics.HasError() {
			t.Fatalf("%s: schema: %v", md.TypeName, sr.Diagnostics)
		}
		out[md.TypeName] = sr.Schema
	}
	return out
}

// attributeLevels calls visit with every set of sibling attributes of a
// schema: the top level, and the inside of each nested attribute and block.
func attributeLevels(where string, attrs map[string]schema.Attribute, blocks map[string]schema.Block,
	visit func(where string, attrs map[string]schema.Attribute)) {
	visit(where, attrs)
	for name, a := range attrs {
		switch n := a.(type) {
		case schema.ListNestedAttribute:
			attributeLevels(where+"."+name, n.NestedObject.Attributes, nil, visit)
		case schema.SetNestedAttribute:
			attributeLevels(where+"."+name, n.NestedObject.Attributes, nil, visit)
		case schema.MapNestedAttribute:
			attributeLevels(where+"."+name, n.NestedObject.Attributes, nil, visit)
		case schema.SingleNestedAttribute:
			attributeLevels(where+"."+name, n.Attributes, nil, visit)
		}
	}
	for name, b := range blocks {
		switch n := b.(type) {
		case schema.ListNestedBlock:
			attributeLevels(where+"."+name, n.NestedObject.Attributes, n.NestedObject.Blocks, visit)
		case schema.SetNestedBlock:
			attributeLevels(where+"."+name, n.NestedObject.Attributes, n.NestedObject.Blocks, visit)
		case schema.SingleNestedBlock:
			attributeLevels(where+"."+name, n.Attributes, n.Blocks, visit)
		}
	}
}

// TestSecretArgumentsHaveWriteOnlyTwins fails when a secret argument (a
// Sensitive attribute the configuration sets, not one the provider
// computes) has no write-only twin and version beside it, so that no secret
// of a new resource has to live in state on an engine that can avoid it.
func TestSecretArgumentsHaveWriteOnlyTwins(t *testing.T) {
	var found, outputs []string
	for typeName, s := range resourceSchemas(t) {
		attributeLevels(typeName, s.Attributes, s.Blocks, func(where string, attrs map[string]schema.Attribute) {
			for name, a := range attrs {
				switch {
				case !a.IsSensitive() || a.IsWriteOnly():
					continue
				case a.IsComputed() && !a.IsOptional():
					outputs = append(outputs, where+"."+name)
					continue
				}
				found = append(found, where+"."+name)
				if a.IsRequired() {
					t.Errorf("%s.%s is required: it must be optional, so that its write-only twin can stand in for it", where, name)
				}
				wo, ok := attrs[name+writeOnlySuffix]
				if !ok || !wo.IsWriteOnly() || !wo.IsSensitive() || !wo.IsOptional() {
					t.Errorf("%s.%s: no optional, sensitive, write-only %s%s beside it", where, name, name, writeOnlySuffix)
				}
				v, ok := attrs[name+versionSuffix].(schema.Int64Attribute)
				if !ok || !v.IsOptional() || v.IsWriteOnly() || v.IsSensitive() || v.IsComputed() {
					t.Errorf("%s.%s: no optional number %s%s beside it, kept in state", where, name, name, versionSuffix)
				}
			}
		})
	}
	sort.Strings(found)
	want := []string{
		"tenantops_directory_user.initial_password",
		"tenantops_sso_ldap_federation.bind_credential",
		"tenantops_sso_oidc_identity_provider.client_secret",
		"tenantops_sso_realm.smtp_password",
		"tenantops_tenant_sso.client_secret",
	}
	if !slices.Equal(found, want) {
		t.Errorf("secret arguments found: %v, want %v", found, want)
	}
	// A generated secret is an output, not an argument: nothing to send.
	if !slices.Equal(outputs, []string{"tenantops_sso_client.client_secret"}) {
		t.Errorf("computed secrets found: %v", outputs)
	}
}

// TestSecretArgumentRules runs the validation of every secret argument
// through the provider server, as the engine calls it: which combinations
// of the plain form, the write-only form and its version it refuses, and
// that an engine without write-only arguments gets the framework's
// refusal.
func TestSecretArgumentRules(t *testing.T) {
	ctx := context.Background()
	srv := providerserver.NewProtocol6(New("test")())()
	schemas := resourceSchemas(t)
	for _, arg := range []struct {
		typeName, name string
		required       bool
	}{
		{"tenantops_directory_user", "initial_password", false},
		{"tenantops_sso_ldap_federation", "bind_credential", true},
		{"tenantops_sso_oidc_identity_provider", "client_secret", true},
		{"tenantops_sso_realm", "smtp_password", false},
		{"tenantops_tenant_sso", "client_secret", true},
	} {
		wo, version := arg.name+writeOnlySuffix, arg.name+versionSuffix
		none := []string{}
		if arg.required {
			none = []string{arg.name + ": Invalid Attribute Combination"}
		}
		for _, tc := range []struct {
			what        string
			set         []string
			noWriteOnly bool // the engine has no write-only arguments
			want        []string
		}{
			{"plain", []string{arg.name}, false, nil},
			{"write-only", []string{wo, version}, false, nil},
			{"neither", nil, false, none},
			{"both forms", []string{arg.name, wo, version}, false, []string{arg.name + ": Invalid Attribute Combination"}},
			{"write-only without version", []string{wo}, false, []string{wo + ": Invalid Attribute Combination"}},
			{"version alone", []string{arg.name, version}, false, []string{version + ": Invalid Attribute Combination"}},
			{"plain, old engine", []string{arg.name}, true, nil},
			{"write-only, old engine", []string{wo, version}, true, []string{wo + ": WriteOnly Attribute Not Allowed"}},
		} {
			t.Run(arg.typeName+"/"+tc.what, func(t *testing.T) {
				got := validateSecret(ctx, t, srv, arg.typeName, schemas[arg.typeName], tc.set, !tc.noWriteOnly,
					arg.name, wo, version)
				if !slices.Equal(got, tc.want) {
					t.Errorf("diagnostics on %s: %q, want %q", strings.Join(tc.set, ", "), got, tc.want)
				}
			})
		}
	}
}

// validateSecret validates a configuration of typeName that sets the
// attributes set (to "s3cret-Pa55!", or 1 for a version) and nothing else,
// and returns the errors reported on the attributes in watch, as
// "<attribute>: <summary>", sorted.
func validateSecret(ctx context.Context, t *testing.T, srv tfprotov6.ProviderServer, typeName string, s schema.Schema,
	set []string, writeOnlyAllowed bool, watch ...string) []string {
	t.Helper()
	typ := s.Type().TerraformType(ctx).(tftypes.Object)
	vals := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		vals[name] = tftypes.NewValue(at, nil)
	}
	for _, name := range set {
		if strings.HasSuffix(name, versionSuffix) {
			vals[name] = tftypes.NewValue(tftypes.Number, 1)
		} else {
			vals[name] = tftypes.NewValue(tftypes.String, "s3cret-Pa55!")
		}
	}
	cfg, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, vals))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: typeName, Config: &cfg,
		ClientCapabilities: &tfprotov6.ValidateResourceConfigClientCapabilities{WriteOnlyAttributesAllowed: writeOnlyAllowed}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range resp.Diagnostics {
		if d.Severity != tfprotov6.DiagnosticSeverityError || d.Attribute == nil || len(d.Attribute.Steps()) != 1 {
			continue
		}
		name := fmt.Sprint(d.Attribute.Steps()[0])
		if a, ok := d.Attribute.Steps()[0].(tftypes.AttributeName); ok {
			name = string(a)
		}
		if slices.Contains(watch, name) {
			got = append(got, name+": "+d.Summary)
		}
	}
	sort.Strings(got)
	return got
}
