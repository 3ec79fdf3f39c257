package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/directory"
)

var (
	_ resource.ResourceWithImportState = &DirectoryOUResource{}
	_ resource.ResourceWithModifyPlan  = &DirectoryOUResource{}
)

// NewDirectoryOUResource is the tenantops_directory_ou constructor.
func NewDirectoryOUResource() resource.Resource {
	return &DirectoryOUResource{newDirectoryResource[directoryOUModel]("directory_ou", directory.KindOU)}
}

// DirectoryOUResource manages an Active Directory organizational unit.
type DirectoryOUResource struct {
	directoryResource[directoryOUModel, *directoryOUModel]
}

type directoryOUModel struct {
	dirEntryModel
	Description types.String `tfsdk:"description"`
	Recursive   types.Bool   `tfsdk:"recursive"`
}

func (m *directoryOUModel) label() string { return fmt.Sprintf("OU %q", m.Name.ValueString()) }

func (r *DirectoryOUResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "An Active Directory organizational unit, typically the container of one tenant's " +
			"groups and accounts. Renaming or moving it (`name`, `path`) is done in place with a modify-DN " +
			"operation, so the OU keeps its objectGUID and contents. Import by DN, e.g. " +
			"`OU=acme,OU=Tenants,DC=example,DC=com`, or by objectGUID.",
		Attributes: entryAttributes("OU",
			"Name of the OU (the value of its `OU=` RDN). Any characters are allowed; they are escaped.",
			"DN of the parent container, e.g. `DC=example,DC=com`. Changing it moves the OU.",
			"The OU's objectGUID, stable across renames and moves.",
			map[string]schema.Attribute{
				// optional
				"description": optionalString("Free-text description.", nonEmpty),
				"recursive": defaultBool("Whether destroying the OU also deletes everything in it. With the default "+
					"`false`, destroying a non-empty OU fails and names the problem.", false),
			}),
		Blocks: r.timeoutsBlock(ctx),
	}
}

func (m *directoryOUModel) create(ctx context.Context, c *directory.Client, _ *resource.CreateResponse) error {
	ou, err := c.CreateOU(ctx, m.Path.ValueString(), directory.OU{
		Name: m.Name.ValueString(), Description: m.Description.ValueString(),
	})
	if err != nil {
		return err
	}
	m.ID, m.DN = types.StringValue(ou.GUID), types.StringValue(ou.DN)
	return nil
}

func (m *directoryOUModel) read(ctx context.Context, c *directory.Client, _ *diag.Diagnostics) error {
	ou, err := c.GetOU(ctx, m.ID.ValueString())
	if err != nil {
		return err
	}
	p, err := keepPath(m.Path, ou.DN)
	if err != nil {
		return failed(fmt.Sprintf("Unable to read OU %q", ou.DN), err)
	}
	m.DN, m.Name, m.Path = types.StringValue(ou.DN), types.StringValue(ou.Name), p
	m.Description = optString(ou.Description)
	if m.Recursive.IsNull() {
		m.Recursive = types.BoolValue(false)
	}
	return nil
}

func (m *directoryOUModel) update(ctx context.Context, c *directory.Client, prior *directoryOUModel, _ *diag.Diagnostics) error {
	dn, err := m.move(ctx, c, &prior.dirEntryModel, directory.KindOU)
	if err != nil {
		return err
	}
	if !m.Description.Equal(prior.Description) {
		if err := c.SetOUDescription(ctx, dn, m.Description.ValueString()); err != nil {
			return err
		}
	}
	ou, err := c.GetOU(ctx, prior.ID.ValueString())
	if err != nil {
		return err
	}
	m.ID, m.DN = prior.ID, types.StringValue(ou.DN)
	return nil
}

func (m *directoryOUModel) delete(ctx context.Context, c *directory.Client) error {
	return m.remove(ctx, c, directory.KindOU, m.Recursive.ValueBool())
}

// ImportState starts an imported OU with recursive = false, the default.
func (r *DirectoryOUResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	r.directoryResource.ImportState(ctx, req, resp)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("recursive"), false)...)
}
