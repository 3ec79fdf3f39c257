package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/directory"
	"github.com/tenantops/tenantops/provider/planmodifiers"
)

// dirEntryModel holds what the resources of named directory objects (OU,
// group, user) share in their models: the object's GUID and where it is.
type dirEntryModel struct {
	ID   types.String `tfsdk:"id"`
	DN   types.String `tfsdk:"dn"`
	Name types.String `tfsdk:"name"`
	Path types.String `tfsdk:"path"`
	timeoutsModel
}

// directoryResource is the base of the resources of named directory
// objects: besides the shared operations, their plan of the dn and their
// import.
type directoryResource[M any, P objectModel[M, *directory.Client]] struct {
	crudResource[M, P, *directory.Client]
	kind directory.Kind
}

// newDirectoryResource is the base of the resource tenantops_<name>,
// which manages objects of kind.
func newDirectoryResource[M any, P objectModel[M, *directory.Client]](name string, kind directory.Kind) directoryResource[M, P] {
	return directoryResource[M, P]{newCRUD[M, P](directoryBackend, name, identityTimeout, allOps), kind}
}

// entryAttributes are the schema attributes of dirEntryModel, for an
// object the docs call noun ("group", "account"), and the others of the
// resource's schema.
func entryAttributes(noun, nameDesc, pathDesc, idDesc string, others map[string]schema.Attribute) map[string]schema.Attribute {
	others["name"] = requiredString(nameDesc, nameValidators...)
	others["path"] = requiredString(pathDesc, dnStringValidators...)
	others["id"] = stableString(idDesc)
	others["dn"] = stableString("The " + noun + "'s current distinguished name.")
	return others
}

// ModifyPlan marks the computed dn unknown when an apply will rename or
// move the object (UseStateForUnknown copied the old one into the plan).
func (r *directoryResource[M, P]) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
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

// ImportState resolves the import key (DN, GUID or sAMAccountName) to the
// GUID kept as id.
func (r *directoryResource[M, P]) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importResource(ctx, &r.resourceBase, req, resp, fmt.Sprintf("Unable to import %s %q", r.kind, req.ID), "",
		func(ctx context.Context, c *directory.Client, key string) (stateAttrs, error) {
			guid, err := c.Resolve(ctx, r.kind, key)
			if err != nil {
				return nil, err
			}
			return stateAttrs{"id": guid}, nil
		})
}

// remove deletes the object, of kind, naming it by its DN at the time.
func (e *dirEntryModel) remove(ctx context.Context, c *directory.Client, kind directory.Kind, recursive bool) error {
	dn := e.DN.ValueString()
	current, err := c.DeleteByGUID(ctx, e.ID.ValueString(), recursive)
	if current != "" {
		dn = current
	}
	if errors.Is(err, directory.ErrNotEmpty) {
		err = withHint(err, "It is not empty. Remove its contents first, or set `recursive = true` on the resource "+
			"(and apply) to delete it together with everything in it.")
	}
	if err != nil {
		return failed(fmt.Sprintf("Unable to delete %s %q", kind, dn), err)
	}
	return nil
}

// move renames and/or moves the object, of kind, from where prior has it
// to where e, the plan, wants it, and returns its DN afterwards.
func (e *dirEntryModel) move(ctx context.Context, c *directory.Client, prior *dirEntryModel, kind directory.Kind) (string, error) {
	dn := prior.DN.ValueString()
	if prior.Name.Equal(e.Name) && directory.EqualDN(prior.Path.ValueString(), e.Path.ValueString()) {
		return dn, nil
	}
	rdnType := "CN"
	if kind == directory.KindOU {
		rdnType = "OU"
	}
	moved, err := c.MoveRename(ctx, dn, rdnType, e.Name.ValueString(), e.Path.ValueString())
	if err != nil {
		return "", failed(fmt.Sprintf("Unable to rename or move %s %q", kind, dn), err)
	}
	return moved, nil
}

// saveThenLink records a new object in state, its DN-set attribute (a
// group's members, a user's groups) as AD has it, and then links it as
// the plan asks (see link): a failure to link leaves a tainted resource
// that destroy removes, not an orphan.
func saveThenLink(ctx context.Context, resp *resource.CreateResponse, m any, planned *types.Set, current []string,
	summary string, write func(current, wanted []string) error) error {
	want := *planned
	s, err := dnSet(ctx, current)
	if err != nil {
		return err
	}
	*planned = s
	if resp.Diagnostics.Append(resp.State.Set(ctx, m)...); resp.Diagnostics.HasError() {
		return nil
	}
	*planned = want
	return link(ctx, planned, current, summary, write, &resp.Diagnostics)
}

// link makes a DN-set attribute (a group's members, a user's groups) in AD
// what *planned lists, through write, when the configuration manages it;
// when it does not, *planned takes what AD holds. A failure to write is
// reported under summary.
func link(ctx context.Context, planned *types.Set, current []string, summary string,
	write func(current, wanted []string) error, diags *diag.Diagnostics) error {
	dns, managed, d := managedDNs(ctx, *planned)
	if diags.Append(d...); diags.HasError() {
		return nil
	}
	if managed {
		if err := write(current, dns); err != nil {
			return failed(summary, err)
		}
		return nil
	}
	s, err := dnSet(ctx, current)
	if err != nil {
		return err
	}
	*planned = s
	return nil
}

// managedDNs returns the DNs of a set the configuration manages (managed
// false when it is left out).
func managedDNs(ctx context.Context, s types.Set) (dns []string, managed bool, diags diag.Diagnostics) {
	if s.IsNull() || s.IsUnknown() {
		return nil, false, nil
	}
	diags = s.ElementsAs(ctx, &dns, false)
	return dns, !diags.HasError(), diags
}

// dnSetAttribute is a DN-set attribute (a group's members, a user's
// groups): optional, DNs spelt any way, unmanaged (showing what AD holds)
// when left out.
func dnSetAttribute(desc string) schema.SetAttribute {
	return schema.SetAttribute{Optional: true, Computed: true, ElementType: types.StringType,
		MarkdownDescription: desc, Validators: dnSetValidators,
		PlanModifiers: []planmodifier.Set{planmodifiers.DNSet(), setplanmodifier.UseStateForUnknown()}}
}
