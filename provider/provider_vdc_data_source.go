package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/vcd"
)

var _ datasource.DataSourceWithConfigure = &ProviderVDCDataSource{}

// NewProviderVDCDataSource is the constructor the provider registers.
func NewProviderVDCDataSource() datasource.DataSource {
	return &ProviderVDCDataSource{dataSourceBase[*vcd.Client]{name: "provider_vdc", backend: vcdBackend}}
}

// ProviderVDCDataSource looks up a Cloud Director provider VDC by name.
type ProviderVDCDataSource struct{ dataSourceBase[*vcd.Client] }

type providerVDCModel struct {
	ID              types.String `tfsdk:"id"`
	Name            types.String `tfsdk:"name"`
	StorageProfiles types.List   `tfsdk:"storage_profiles"`
	NetworkPools    types.List   `tfsdk:"network_pools"`
}

func (m *providerVDCModel) label() string {
	return fmt.Sprintf("provider VDC %q", m.Name.ValueString())
}

func (d *ProviderVDCDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Cloud Director provider VDC, by name: what a `tenantops_tenant_vdc` can draw from " +
			"(storage profile and network pool names).",
		Attributes: map[string]schema.Attribute{
			// required
			"name": schema.StringAttribute{Required: true, MarkdownDescription: "Provider VDC name.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
			// computed
			"id": schema.StringAttribute{Computed: true, MarkdownDescription: "Provider VDC ID (`urn:vcloud:providervdc:<uuid>`)."},
			"storage_profiles": schema.ListAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "Names of the storage profiles it offers, sorted."},
			"network_pools": schema.ListAttribute{Computed: true, ElementType: types.StringType,
				MarkdownDescription: "Names of its network pools, sorted."},
		},
	}
}

func (d *ProviderVDCDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	readDataSource(ctx, &d.dataSourceBase, req, resp, func(ctx context.Context, c *vcd.Client, m *providerVDCModel, diags *diag.Diagnostics) error {
		name := m.Name.ValueString()
		p, err := c.GetProviderVDC(ctx, name)
		if errors.Is(err, vcd.ErrNotFound) {
			diags.AddError(fmt.Sprintf("Provider VDC %q not found", name),
				"Cloud Director has no provider VDC with this name (names are case sensitive).")
			return nil
		}
		if err != nil {
			return err
		}
		m.ID = types.StringValue(p.ID)
		sps, d := types.ListValueFrom(ctx, types.StringType, vcdNames(p.StorageProfiles))
		diags.Append(d...)
		pools, d := types.ListValueFrom(ctx, types.StringType, vcdNames(p.NetworkPools))
		diags.Append(d...)
		m.StorageProfiles, m.NetworkPools = sps, pools
		return nil
	})
}

// vcdNames turns a nil list into an empty one, so the attribute is known.
func vcdNames(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
