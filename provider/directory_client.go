package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/directory"
	"github.com/tenantops/tenantops/provider/validators"
)

// directoryClient returns the provider's shared directory client, or an
// error naming the missing directory block.
func (d *ProviderData) directoryClient(resource string) (*directory.Client, error) {
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

// ---- plan modifiers ------------------------------------------------------

// dirPlanDN marks the computed dn unknown when an apply will rename or move
// the object (UseStateForUnknown copied the old one into the plan).
func dirPlanDN(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var planName, planPath, stateName, statePath types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("name"), &planName)...)
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, path.Root("path"), &planPath)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("name"), &stateName)...)
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("path"), &statePath)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if planName.IsUnknown() || planPath.IsUnknown() || !planName.Equal(stateName) ||
		!directory.EqualDN(planPath.ValueString(), statePath.ValueString()) {
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("dn"), types.StringUnknown())...)
	}
}

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

// managedDNs returns the DNs of a set the configuration manages (ok false
// when it is left out).
func managedDNs(ctx context.Context, s types.Set) (dns []string, ok bool, diags diag.Diagnostics) {
	if s.IsNull() || s.IsUnknown() {
		return nil, false, nil
	}
	diags = s.ElementsAs(ctx, &dns, false)
	return dns, !diags.HasError(), diags
}

// deleteByGUID is the Delete body of the directory resources.
func deleteByGUID(ctx context.Context, c *directory.Client, kind directory.Kind, id, dn string, recursive bool, diags *diag.Diagnostics) {
	current, err := c.DeleteByGUID(ctx, id, recursive)
	if current != "" {
		dn = current
	}
	switch {
	case errors.Is(err, directory.ErrNotEmpty):
		diags.AddError(fmt.Sprintf("Unable to delete %s %q", kind, dn),
			"It is not empty. Remove its contents first, or set `recursive = true` on the resource (and apply) "+
				"to delete it together with everything in it. "+dirErr(err))
	case err != nil:
		diags.Append(directoryBackend.error(fmt.Sprintf("Unable to delete %s %q", kind, dn), err))
	}
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

// moveIfNeeded renames and/or moves an object when its name or parent
// changed, returning the DN it has afterwards.
func moveIfNeeded(ctx context.Context, c *directory.Client, dn, rdnType string, oldName, newName, oldPath, newPath string) (string, error) {
	if oldName == newName && directory.EqualDN(oldPath, newPath) {
		return dn, nil
	}
	return c.MoveRename(ctx, dn, rdnType, newName, newPath)
}

// dirImport resolves an import key (DN, GUID or sAMAccountName) to the GUID
// kept as id.
func dirImport(ctx context.Context, d *ProviderData, typeName string, kind directory.Kind, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	ctx, cancel, c, ok := open(ctx, d, directoryBackend, typeName, nil, 0, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	guid, err := c.Resolve(ctx, kind, req.ID)
	if err != nil {
		resp.Diagnostics.Append(directoryBackend.error(fmt.Sprintf("Unable to import %s %q", kind, req.ID), err))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), guid)...)
}
