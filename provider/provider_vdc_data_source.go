package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/vcd"
)

var _ datasource.DataSourceWithConfigure = &ProviderVDCDataSource{}

// NewProviderVDCDataSource is the constructor the provider registers.
func NewProviderVDCDataSource() datasource.DataSource { return &ProviderVDCDataSource{} }

// ProviderVDCDataSource looks up a Cloud Director provider VDC by name.
type ProviderVDCDataSource struct{ data *ProviderData }

type providerVDCModel struct {
	ID              types.String `tfsdk:"id"`
	Name            types.String `tfsdk:"name"`
	StorageProfiles types.List   `tfsdk:"storage_profiles"`
	NetworkPools    types.List   `tfsdk:"network_pools"`
}

func (d *ProviderVDCDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_provider_vdc"
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

func (d *ProviderVDCDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = configureDataSource(req, resp)
}

func (d *ProviderVDCDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m providerVDCModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel, c, ok := open(ctx, d.data, vcdBackend, "tenantops_provider_vdc", nil, 0, &resp.Diagnostics)
	defer cancel()
	if !ok {
		return
	}
	name := m.Name.ValueString()
	p, err := c.GetProviderVDC(ctx, name)
	if errors.Is(err, vcd.ErrNotFound) {
		resp.Diagnostics.AddError(fmt.Sprintf("Provider VDC %q not found", name),
			"Cloud Director has no provider VDC with this name (names are case sensitive).")
		return
	}
	if err != nil {
		resp.Diagnostics.Append(vcdBackend.error(fmt.Sprintf("Unable to read provider VDC %q", name), err))
		return
	}
	m.ID = types.StringValue(p.ID)
	sps, diags := types.ListValueFrom(ctx, types.StringType, vcdNames(p.StorageProfiles))
	resp.Diagnostics.Append(diags...)
	pools, diags := types.ListValueFrom(ctx, types.StringType, vcdNames(p.NetworkPools))
	resp.Diagnostics.Append(diags...)
	m.StorageProfiles, m.NetworkPools = sps, pools
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// vcdNames turns a nil list into an empty one, so the attribute is known.
func vcdNames(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
