package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Every secret argument comes in two forms. <name> is Sensitive and kept in
// state: the only form Terraform 1.5 takes. <name>_wo is write-only
// (Terraform and OpenTofu 1.11 and later): the engine hands it to the
// provider from the configuration and never stores it in plan or state, so
// it cannot tell when it changed either; <name>_wo_version, a number kept
// in state, is what says "send the secret again".

// Suffixes of the twins of a secret argument.
const (
	writeOnlySuffix = "_wo"
	versionSuffix   = "_wo_version"
)

// secretAttributes adds the secret argument name to attrs in its two forms,
// with the version of the write-only one. desc says what the secret is;
// plainNote what the state keeps of the plain form and when it is written,
// woNote when the write-only form is sent. A required secret needs exactly
// one of the two forms; an optional one takes at most one. v validates the
// secret in either form.
func secretAttributes(attrs map[string]schema.Attribute, name string, required bool, desc, plainNote, woNote string,
	v ...validator.String) {
	wo, version := name+writeOnlySuffix, name+versionSuffix
	plainRule := stringvalidator.ConflictsWith(path.MatchRoot(wo))
	rule := fmt.Sprintf("Conflicts with `%s`.", wo)
	if required {
		plainRule = stringvalidator.ExactlyOneOf(path.MatchRoot(wo))
		rule = fmt.Sprintf("Exactly one of `%s` and `%s` must be set.", name, wo)
	}
	attrs[name] = schema.StringAttribute{Optional: true, Sensitive: true,
		MarkdownDescription: fmt.Sprintf("%s %s Kept in state (marked sensitive): on Terraform / OpenTofu 1.11 and "+
			"later, prefer `%s`. %s", desc, plainNote, wo, rule),
		Validators: append([]validator.String{plainRule}, v...)}
	attrs[wo] = schema.StringAttribute{Optional: true, Sensitive: true, WriteOnly: true,
		MarkdownDescription: fmt.Sprintf("%s Write-only form of `%s`, for Terraform 1.11 / OpenTofu 1.11 and later: "+
			"never stored in plan or state. %s Set together with `%s`.", desc, name, woNote, version),
		Validators: append([]validator.String{stringvalidator.AlsoRequires(path.MatchRoot(version))}, v...)}
	attrs[version] = schema.Int64Attribute{Optional: true,
		MarkdownDescription: fmt.Sprintf("Version of `%s`, kept in state in its place. The engine cannot see a changed "+
			"write-only value: change this number (e.g. increment it) together with the secret to have it sent. "+
			"Set together with `%s`.", wo, wo),
		Validators: []validator.Int64{int64validator.AlsoRequires(path.MatchRoot(wo))}}
}

// sendPolicy says when an update sends the write-only form of a secret.
// Create always does.
type sendPolicy int

const (
	// onVersionChange: when the version differs from the state's, a first
	// version (after an import, or on leaving the plain form) included.
	onVersionChange sendPolicy = iota
	// onEveryWrite: with every update, because the backend wants the
	// secret with every write of the object.
	onEveryWrite
	// onRotation: when the version changes from one value to another; a
	// first version only records itself.
	onRotation
)

// secretArg is a model's secret argument: its fields in the model, named
// after the plain form.
type secretArg struct {
	name    string        // the plain form's attribute, e.g. "client_secret"
	policy  sendPolicy    // when an update sends the write-only form
	plain   *types.String // kept in state
	wo      *types.String // null in plan and state; see takeWriteOnly
	version *types.Int64
}

// value is the secret an operation writes: the plain form when it is set,
// else the write-only one when takeWriteOnly filled it in; "" means write
// nothing, and the backend keeps the secret it has.
func (s secretArg) value() string {
	if !s.plain.IsNull() {
		return s.plain.ValueString()
	}
	return s.wo.ValueString()
}

// due reports whether an update from prior sends the write-only form.
func (s secretArg) due(prior secretArg) bool {
	switch s.policy {
	case onEveryWrite:
		return true
	case onRotation:
		return !prior.version.IsNull() && !s.version.Equal(*prior.version)
	}
	return !s.version.Equal(*prior.version)
}

// secretModel is a model with secret arguments.
type secretModel interface {
	secrets() []secretArg
}

// takeWriteOnly fills the write-only forms of plan's secrets in from the
// configuration (the plan holds them null), each when it is to be sent:
// always on create (prior nil), on update as its policy says. It returns
// forget, which nulls them again: the skeletons call it before the model
// goes to state, so the state never holds a write-only value.
func takeWriteOnly(ctx context.Context, cfg tfsdk.Config, plan, prior any, diags *diag.Diagnostics) (forget func()) {
	m, ok := plan.(secretModel)
	if !ok {
		return func() {}
	}
	args := m.secrets()
	var before []secretArg
	if prior != nil {
		before = prior.(secretModel).secrets()
	}
	for i, a := range args {
		if before == nil || a.due(before[i]) {
			diags.Append(cfg.GetAttribute(ctx, path.Root(a.name+writeOnlySuffix), a.wo)...)
		}
	}
	return func() {
		for _, a := range args {
			*a.wo = types.StringNull()
		}
	}
}
