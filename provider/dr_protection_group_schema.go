package provider

import (
	"context"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var vappURN = regexp.MustCompile(`^urn:vcloud:vapp:[0-9a-fA-F-]{36}$`)

func (r *DRProtectionGroupResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	name := func(what string) schema.StringAttribute { return requiredString(what, nonEmpty) }
	resp.Schema = schema.Schema{
		MarkdownDescription: "A Zerto virtual protection group (VPG) that replicates Cloud Director vApps to a recovery org VDC " +
			"at a recovery site. Zerto protects vApps and their VMs, never an org VDC as such. Creating it commits a VPG " +
			"settings object and waits until the VPG protects (status `MeetingSLA`) within `timeouts.create`; adding or " +
			"removing a vApp and every other change go through a settings copy of the VPG and are applied in place. " +
			"Needs both the `zerto` and the `vcd` provider blocks: the VMs of each vApp are read from Cloud Director. " +
			"Import by VPG name or VPG identifier.",
		Attributes: map[string]schema.Attribute{
			// required
			"name": requiredString("VPG name, unique on the ZVM. Renaming is done in place.", stringvalidator.LengthBetween(1, 80)),
			"vapp_ids": schema.SetAttribute{Required: true, ElementType: types.StringType,
				MarkdownDescription: "IDs of the protected vApps (`urn:vcloud:vapp:<uuid>`, e.g. `tenantops_vapp.workloads.id`). " +
					"Each must hold at least one VM: a VPG protects VMs, and Zerto refuses a VPG without any. The first (in " +
					"sorted order) is the VPG's vApp in Zerto's sense: VMs the tenant adds to it later join the VPG at once. " +
					"The VMs of the other vApps are added as VMs; one the tenant adds later is protected by the next apply.",
				Validators: []validator.Set{setvalidator.SizeAtLeast(1), setvalidator.ValueStringsAre(
					stringvalidator.RegexMatches(vappURN, "must be a vApp ID of the form urn:vcloud:vapp:<uuid>"))}},
			"recovery_site": replacingString("Name of the recovery site as Zerto lists it (`/v1/virtualizationsites`). "+
				"Changing it replaces the VPG.", nonEmpty),
			"recovery_org_vdc": name("Name of the org VDC at the recovery site that the VMs recover into."),
			"storage_policy":   name("Name of the recovery org VDC's storage policy the VMs' recovery volumes are created in (`/v1/virtualizationsites/{site}/orgvdcs/{id}/storagepolicies`); it must be enabled."),
			"failover_network": name("Name of the recovery org VDC network VMs connect to on failover and move, unless a mapping says otherwise."),
			"test_network":     name("Name of the recovery org VDC network VMs connect to in failover tests, unless a mapping says otherwise."),
			// optional
			"network_mappings": schema.ListNestedAttribute{Optional: true,
				MarkdownDescription: "Per protected org VDC network, the recovery org VDC networks its VMs connect to.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"protected_network": name("Name of an org VDC network at the protected site."),
					"recovery_network":  name("Name of the recovery org VDC network used on failover and move."),
					"test_network":      name("Name of the recovery org VDC network used in failover tests."),
				}}},
			"rpo_alert_seconds": defaultInt("Target RPO: Zerto alerts when the actual RPO exceeds it. 60–43200 seconds, default 300.",
				300, int64validator.Between(60, 43200)),
			"journal_history_hours": defaultInt("How far back the journal keeps checkpoints. 1–720 hours, default 24.",
				24, int64validator.Between(1, 720)),
			"priority": defaultString("Replication priority when bandwidth is short: `Low`, `Medium` (default) or `High`.",
				"Medium", stringvalidator.OneOf("Low", "Medium", "High")),
			"service_profile": optionalString("Name of a Zerto service profile to apply (`/v1/serviceprofiles`).", nonEmpty),
			"zorg":            optionalString("Name of the Zerto organization (ZORG) that owns the VPG (`/v1/zorgs`).", nonEmpty),
			"force_delete":    defaultBool("Delete with `Force`, even when the recovery site cannot confirm the removal. Default `false`.", false),
			"keep_recovery_volumes": defaultBool("Keep the recovery volumes at the recovery site when the VPG is deleted. Default `false`: "+
				"deleting the VPG removes them.", false),
			// computed
			"id":                 stableString("The VPG identifier."),
			"vpg_id":             stableString("The VPG identifier (same as `id`), for references that read better."),
			"status":             computedString("VPG status as Zerto names it: `Initializing`, `MeetingSLA`, `NotMeetingSLA`, …"),
			"actual_rpo":         computedInt("Actual RPO in seconds at the last refresh."),
			"protected_vm_count": computedInt("Number of VMs the VPG protects at the last refresh."),
		},
		Blocks: r.timeoutsBlock(ctx),
	}
}
