package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ datasource.DataSourceWithConfigure = &DRSiteDataSource{}

// NewDRSiteDataSource is the constructor registered with the provider.
func NewDRSiteDataSource() datasource.DataSource { return &DRSiteDataSource{} }

// DRSiteDataSource looks up a Zerto site (the local one or a paired
// recovery site) by name.
type DRSiteDataSource struct{ data *ProviderData }

type drSiteModel struct {
	ID                  types.String `tfsdk:"id"`
	Name                types.String `tfsdk:"name"`
	SiteType            types.String `tfsdk:"site_type"`
	IsLocal             types.Bool   `tfsdk:"is_local"`
	RecoveryOrgVdcNames types.List   `tfsdk:"recovery_org_vdc_names"`
}

func (d *DRSiteDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_dr_site"
}

func (d *DRSiteDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Zerto site by name: the site this ZVM manages or a paired recovery site, with the " +
			"Cloud Director org VDCs VMs can recover into there.",
		Attributes: map[string]schema.Attribute{
			// required
			"name": schema.StringAttribute{Required: true,
				MarkdownDescription: "Site name as Zerto lists it (`/v1/virtualizationsites`)."},
			// computed
			"id": schema.StringAttribute{Computed: true,
				MarkdownDescription: "Zerto's site identifier."},
			"site_type": schema.StringAttribute{Computed: true,
				MarkdownDescription: "The site's platform as Zerto reports it, e.g. `VCD` or `VCenter`."},
			"is_local": schema.BoolAttribute{Computed: true,
				MarkdownDescription: "Whether this is the site the configured ZVM manages (the protected side)."},
			"recovery_org_vdc_names": schema.ListAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "Names of the site's Cloud Director org VDCs, usable as `recovery_org_vdc` of " +
					"`tenantops_dr_protection_group`."},
		},
	}
}

func (d *DRSiteDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configureDataSource(req, resp)
}

func (d *DRSiteDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m drSiteModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := m.Name.ValueString()
	fail := func(err error) {
		resp.Diagnostics.Append(zertoBackend.error(fmt.Sprintf("Unable to read DR site %q", name), err))
	}
	ctx, cancel, c, ok := open(ctx, d.data, zertoBackend, "tenantops_dr_site", nil, 0, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	site, err := c.SiteByName(ctx, name)
	if err != nil {
		fail(err)
		return
	}
	local, err := c.LocalSite(ctx)
	if err != nil {
		fail(err)
		return
	}
	m.ID = types.StringValue(site.SiteIdentifier)
	m.IsLocal = types.BoolValue(local.ID() == site.SiteIdentifier)
	m.SiteType = types.StringValue(local.SiteType)
	if !m.IsLocal.ValueBool() {
		peers, err := c.PeerSites(ctx)
		if err != nil {
			fail(err)
			return
		}
		m.SiteType = types.StringNull()
		for _, p := range peers {
			if p.ID() == site.SiteIdentifier || p.PeerSiteName == name {
				m.SiteType = types.StringValue(p.SiteType)
			}
		}
	}
	vdcs, err := c.OrgVdcs(ctx, site.SiteIdentifier)
	if err != nil {
		fail(err)
		return
	}
	names := make([]string, 0, len(vdcs))
	for _, v := range vdcs {
		names = append(names, v.OrgVdcName)
	}
	list, diags := types.ListValueFrom(ctx, types.StringType, names)
	resp.Diagnostics.Append(diags...)
	m.RecoveryOrgVdcNames = list
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
