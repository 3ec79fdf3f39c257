package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/directory"
	"github.com/tenantops/tenantops/provider/validators"
)

// directoryClient returns the provider's shared directory client, or an
// error naming the missing directory block.
func (d *ProviderData) directoryClient(_ context.Context, resource string) (*directory.Client, error) {
	if d == nil || d.Directory == nil {
		return nil, missingBlockError{block: "directory", resource: resource}
	}
	s := d.Directory
	return client(d, "directory", func() (*directory.Client, error) {
		return directory.New(directory.Config{
			URL: s.URL, BindDN: s.BindDN, BindPassword: s.BindPassword, StartTLS: s.StartTLS, TLS: s.TLS,
		})
	})
}

// dirErr is the diagnostic detail for a directory failure; the client's
// errors already start with "Active Directory:".
func dirErr(err error) string { return err.Error() }

// ---- validators ----------------------------------------------------------

var (
	dnStringValidators = []validator.String{validators.DN()}
	dnSetValidators    = []validator.Set{setvalidator.ValueStringsAre(validators.DN())}
	nameValidators     = []validator.String{stringvalidator.LengthBetween(1, 64)}
)

// ---- mapping helpers -----------------------------------------------------

// optString maps AD's "absent" (empty) to null.
func optString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// dnSet builds a set value of DNs.
func dnSet(ctx context.Context, dns []string) (types.Set, error) {
	if dns == nil {
		dns = []string{}
	}
	v, diags := types.SetValueFrom(ctx, types.StringType, dns)
	if diags.HasError() {
		return v, errors.New("cannot build a set of DNs")
	}
	return v, nil
}

// refreshDNs returns an object's path and DN-set attribute (members,
// groups) as read from AD, spelt as in the prior state wherever they name
// the same entries.
func refreshDNs(ctx context.Context, priorPath types.String, priorSet types.Set, dn string, actual []string) (types.String, types.Set, diag.Diagnostics) {
	var diags diag.Diagnostics
	p, err := keepPath(priorPath, dn)
	if err != nil {
		diags.AddError(fmt.Sprintf("Unable to read %q", dn), err.Error())
		return p, priorSet, diags
	}
	var prior []string
	if !priorSet.IsNull() && !priorSet.IsUnknown() {
		diags.Append(priorSet.ElementsAs(ctx, &prior, false)...)
	}
	set, err := dnSet(ctx, directory.ReconcileDNs(prior, actual))
	if err != nil {
		diags.AddError(fmt.Sprintf("Unable to read %q", dn), err.Error())
	}
	return p, set, diags
}

// keepPath returns the prior path when it names the same parent as the
// object's current DN, else the current parent, so a refresh never rewrites
// the user's spelling.
func keepPath(prior types.String, currentDN string) (types.String, error) {
	_, parent, err := directory.SplitDN(currentDN)
	if err != nil {
		return prior, err
	}
	if !prior.IsNull() && !prior.IsUnknown() && directory.EqualDN(prior.ValueString(), parent) {
		return prior, nil
	}
	return types.StringValue(parent), nil
}
