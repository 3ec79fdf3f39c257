package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// Builders for the attribute shapes the resource schemas repeat. Each takes
// the MarkdownDescription first: it is what differs, and what the generated
// docs show.

// nonEmpty refuses "", which the backends would store as "not set".
var nonEmpty = stringvalidator.LengthAtLeast(1)

// requiredString is a required string attribute.
func requiredString(desc string, v ...validator.String) schema.StringAttribute {
	return schema.StringAttribute{Required: true, MarkdownDescription: desc, Validators: v}
}

// replacingString is a required string whose change replaces the object:
// the backend cannot change it in place.
func replacingString(desc string, v ...validator.String) schema.StringAttribute {
	return schema.StringAttribute{Required: true, MarkdownDescription: desc, Validators: v,
		PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}}
}

// optionalString is an optional string the backend leaves unset (null)
// when the configuration does.
func optionalString(desc string, v ...validator.String) schema.StringAttribute {
	return schema.StringAttribute{Optional: true, MarkdownDescription: desc, Validators: v}
}

// derivedString is an optional string that, left out, takes what the
// provider or the backend derives (from a metadata document, a discovery
// endpoint).
func derivedString(desc string) schema.StringAttribute {
	return schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: desc}
}

// derivedBool is derivedString for a bool.
func derivedBool(desc string) schema.BoolAttribute {
	return schema.BoolAttribute{Optional: true, Computed: true, MarkdownDescription: desc}
}

// defaultString is an optional string that takes def when left out.
func defaultString(desc, def string, v ...validator.String) schema.StringAttribute {
	return schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(def),
		MarkdownDescription: desc, Validators: v}
}

// defaultBool is an optional bool that takes def when left out.
func defaultBool(desc string, def bool) schema.BoolAttribute {
	return schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(def),
		MarkdownDescription: desc}
}

// defaultInt is an optional integer that takes def when left out.
func defaultInt(desc string, def int64, v ...validator.Int64) schema.Int64Attribute {
	return schema.Int64Attribute{Optional: true, Computed: true, Default: int64default.StaticInt64(def),
		MarkdownDescription: desc, Validators: v}
}

// stableString is a computed string the backend sets once (an id, a DN
// until a rename): the plan keeps the stored value instead of showing
// "known after apply" on every change.
func stableString(desc string) schema.StringAttribute {
	return schema.StringAttribute{Computed: true, MarkdownDescription: desc,
		PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()}}
}

// computedString is a string only the backend sets, read at every refresh.
func computedString(desc string) schema.StringAttribute {
	return schema.StringAttribute{Computed: true, MarkdownDescription: desc}
}

// computedInt is an integer only the backend sets, read at every refresh.
func computedInt(desc string) schema.Int64Attribute {
	return schema.Int64Attribute{Computed: true, MarkdownDescription: desc}
}
