package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/zerto"
)

var _ datasource.DataSourceWithConfigure = &DRSiteDataSource{}

// NewDRSiteDataSource is the constructor registered with the provider.
func NewDRSiteDataSource() datasource.DataSource {
	return &DRSiteDataSource{dataSourceBase[*zerto.Client]{name: "dr_site", backend: zertoBackend}}
}

// DRSiteDataSource looks up a Zerto site (the local one or a paired
// recovery site) by name.
type DRSiteDataSource struct{ dataSourceBase[*zerto.Client] }

type drSiteModel struct {
	ID                  types.String `tfsdk:"id"`
	Name                types.String `tfsdk:"name"`
	SiteType            types.String `tfsdk:"site_type"`
	IsLocal             types.Bool   `tfsdk:"is_local"`
	RecoveryOrgVdcNames types.List   `tfsdk:"recovery_org_vdc_names"`
}

func (m *drSiteModel) label() string { return fmt.Sprintf("DR site %q", m.Name.ValueString()) }

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

func (d *DRSiteDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	readDataSource(ctx, &d.dataSourceBase, req, resp, func(ctx context.Context, c *zerto.Client, m *drSiteModel, diags *diag.Diagnostics) error {
		name := m.Name.ValueString()
		site, err := c.SiteByName(ctx, name)
		if err != nil {
			return err
		}
		local, err := c.LocalSite(ctx)
		if err != nil {
			return err
		}
		m.ID = types.StringValue(site.SiteIdentifier)
		m.IsLocal = types.BoolValue(local.ID() == site.SiteIdentifier)
		m.SiteType = types.StringValue(local.SiteType)
		if !m.IsLocal.ValueBool() {
			peers, err := c.PeerSites(ctx)
			if err != nil {
				return err
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
			return err
		}
		names := make([]string, 0, len(vdcs))
		for _, v := range vdcs {
			names = append(names, v.OrgVdcName)
		}
		list, d := types.ListValueFrom(ctx, types.StringType, names)
		diags.Append(d...)
		m.RecoveryOrgVdcNames = list
		return nil
	})
}
