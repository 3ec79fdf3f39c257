package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/keycloak"
)

var (
	_ resource.ResourceWithImportState    = &SSOSAMLIdentityProviderResource{}
	_ resource.ResourceWithModifyPlan     = &SSOSAMLIdentityProviderResource{}
	_ resource.ResourceWithValidateConfig = &SSOSAMLIdentityProviderResource{}
)

// NewSSOSAMLIdentityProviderResource is the constructor the provider registers.
func NewSSOSAMLIdentityProviderResource() resource.Resource {
	return &SSOSAMLIdentityProviderResource{}
}

// SSOSAMLIdentityProviderResource brokers a customer's SAML 2.0 identity
// provider into a realm, configured from its metadata or explicitly.
type SSOSAMLIdentityProviderResource struct{ ops ssoIdP }

type ssoSAMLModel struct {
	ssoIdPModel
	MetadataXML             types.String   `tfsdk:"metadata_xml"`
	IdPEntityID             types.String   `tfsdk:"idp_entity_id"`
	SSOURL                  types.String   `tfsdk:"single_sign_on_service_url"`
	SLOURL                  types.String   `tfsdk:"single_logout_service_url"`
	SigningCertificates     types.List     `tfsdk:"signing_certificates"`
	WantAuthnRequestsSigned types.Bool     `tfsdk:"want_authn_requests_signed"`
	PostBindingAuthnRequest types.Bool     `tfsdk:"post_binding_authn_request"`
	ValidateSignature       types.Bool     `tfsdk:"validate_signature"`
	SPEntityID              types.String   `tfsdk:"sp_entity_id"`
	NameIDPolicyFormat      types.String   `tfsdk:"name_id_policy_format"`
	PrincipalType           types.String   `tfsdk:"principal_type"`
	PrincipalAttribute      types.String   `tfsdk:"principal_attribute"`
	PostBindingResponse     types.Bool     `tfsdk:"post_binding_response"`
	PostBindingLogout       types.Bool     `tfsdk:"post_binding_logout"`
	WantAssertionsSigned    types.Bool     `tfsdk:"want_assertions_signed"`
	SignatureAlgorithm      types.String   `tfsdk:"signature_algorithm"`
	ForceAuthn              types.Bool     `tfsdk:"force_authn"`
	Timeouts                timeouts.Value `tfsdk:"timeouts"`
}

func (r *SSOSAMLIdentityProviderResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_sso_saml_identity_provider"
}

func (r *SSOSAMLIdentityProviderResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := ssoIdPCommonAttributes()
	derived := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Optional: true, Computed: true, MarkdownDescription: desc}
	}
	// optional: derived from metadata_xml unless set
	attrs["metadata_xml"] = schema.StringAttribute{Optional: true,
		MarkdownDescription: "The identity provider's SAML 2.0 metadata document (e.g. `file(\"idp-metadata.xml\")`). " +
			"Entity id, endpoints and signing certificates are taken from it unless set explicitly. At most 1 MiB; " +
			"documents with a DOCTYPE are refused. Kept in state only (Keycloak does not store it).",
		Validators: []validator.String{samlMetadataValidator{}}}
	attrs["idp_entity_id"] = derived("Entity id of the identity provider (from the metadata unless set).")
	attrs["single_sign_on_service_url"] = derived("SSO endpoint (from the metadata, HTTP-POST binding preferred, unless set).")
	attrs["single_logout_service_url"] = derived("Single logout endpoint (from the metadata unless set; empty for none).")
	attrs["signing_certificates"] = schema.ListAttribute{ElementType: types.StringType, Optional: true, Computed: true,
		MarkdownDescription: "Base64 DER certificates the identity provider signs with (from the metadata unless set)."}
	attrs["want_authn_requests_signed"] = schema.BoolAttribute{Optional: true, Computed: true,
		MarkdownDescription: "Sign authentication requests (from the metadata's `WantAuthnRequestsSigned` unless set)."}
	attrs["post_binding_authn_request"] = schema.BoolAttribute{Optional: true, Computed: true,
		MarkdownDescription: "Send requests with HTTP-POST (true when the SSO URL is the POST endpoint, unless set)."}
	attrs["validate_signature"] = schema.BoolAttribute{Optional: true, Computed: true,
		MarkdownDescription: "Validate signatures of the identity provider's responses (true when signing certificates are known, unless set)."}
	attrs["sp_entity_id"] = derived("Entity id tenantops presents as service provider (default: the realm's issuer URL).")
	attrs["name_id_policy_format"] = schema.StringAttribute{Optional: true, Computed: true,
		Default:             stringdefault.StaticString("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"),
		MarkdownDescription: "Requested NameID format. Default `urn:oasis:names:tc:SAML:2.0:nameid-format:persistent`."}
	attrs["principal_type"] = schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("SUBJECT"),
		MarkdownDescription: "Where the username comes from: `SUBJECT` (default), `ATTRIBUTE` or `FRIENDLY_ATTRIBUTE`.",
		Validators:          []validator.String{stringvalidator.OneOf("SUBJECT", "ATTRIBUTE", "FRIENDLY_ATTRIBUTE")}}
	attrs["principal_attribute"] = schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(""),
		MarkdownDescription: "Attribute holding the username when `principal_type` is not `SUBJECT`."}
	attrs["post_binding_response"] = schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
		MarkdownDescription: "Answer with HTTP-POST. Default `true`."}
	attrs["post_binding_logout"] = schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(true),
		MarkdownDescription: "Log out with HTTP-POST. Default `true`."}
	attrs["want_assertions_signed"] = schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
		MarkdownDescription: "Require signed assertions. Default `false`."}
	attrs["signature_algorithm"] = schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("RSA_SHA256"),
		MarkdownDescription: "Signature algorithm of our requests: `RSA_SHA256` (default), `RSA_SHA512`, `RSA_SHA1`.",
		Validators:          []validator.String{stringvalidator.OneOf("RSA_SHA256", "RSA_SHA512", "RSA_SHA1")}}
	attrs["force_authn"] = schema.BoolAttribute{Optional: true, Computed: true, Default: booldefault.StaticBool(false),
		MarkdownDescription: "Ask the identity provider to re-authenticate the user. Default `false`."}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The customer's own SAML 2.0 identity provider (ADFS, Entra ID, Okta, ...) brokered into a tenant " +
			"realm. Give the customer's metadata XML in `metadata_xml` and the entity id, endpoints and signing " +
			"certificates are derived from it; or set them explicitly. Import with `<realm>/<alias>` (the metadata " +
			"document itself is not stored in Keycloak, so an imported provider shows `metadata_xml` being added once).",
		Attributes: attrs,
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

func (r *SSOSAMLIdentityProviderResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.ops = ssoIdP{data: configureResource(req, resp), typeName: "tenantops_sso_saml_identity_provider", kind: "SAML"}
}

func (r *SSOSAMLIdentityProviderResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m ssoSAMLModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || !m.MetadataXML.IsNull() {
		return
	}
	for name, v := range map[string]types.String{"idp_entity_id": m.IdPEntityID, "single_sign_on_service_url": m.SSOURL} {
		if v.IsNull() {
			resp.Diagnostics.AddAttributeError(path.Root(name), "Missing "+name,
				"Without metadata_xml, set idp_entity_id and single_sign_on_service_url explicitly.")
		}
	}
}

// ModifyPlan fills the attributes left out of the configuration from the
// metadata (or their defaults), so the plan shows what will be written.
func (r *SSOSAMLIdentityProviderResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var cfg, plan ssoSAMLModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() || cfg.MetadataXML.IsUnknown() {
		return
	}
	md := &keycloak.SAMLMetadata{}
	if !cfg.MetadataXML.IsNull() {
		parsed, err := keycloak.ParseSAMLMetadata([]byte(cfg.MetadataXML.ValueString()))
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("metadata_xml"), "Invalid SAML metadata", err.Error())
			return
		}
		md = parsed
	}
	setStr := func(c types.String, dst *types.String, v string) {
		if c.IsNull() {
			*dst = types.StringValue(v)
		}
	}
	setStr(cfg.IdPEntityID, &plan.IdPEntityID, md.EntityID)
	setStr(cfg.SSOURL, &plan.SSOURL, md.SSOURL)
	setStr(cfg.SLOURL, &plan.SLOURL, md.SLOURL)
	if cfg.SigningCertificates.IsNull() {
		certs := md.SigningCertificates
		if certs == nil {
			certs = []string{}
		}
		l, d := types.ListValueFrom(ctx, types.StringType, certs)
		resp.Diagnostics.Append(d...)
		plan.SigningCertificates = l
	}
	if cfg.WantAuthnRequestsSigned.IsNull() {
		plan.WantAuthnRequestsSigned = types.BoolValue(md.WantAuthnRequestsSigned)
	}
	if cfg.PostBindingAuthnRequest.IsNull() {
		plan.PostBindingAuthnRequest = types.BoolValue(cfg.MetadataXML.IsNull() || md.SSOPostBinding)
	}
	if cfg.ValidateSignature.IsNull() && !plan.SigningCertificates.IsUnknown() {
		plan.ValidateSignature = types.BoolValue(len(plan.SigningCertificates.Elements()) > 0)
	}
	if cfg.SPEntityID.IsNull() && !plan.Realm.IsUnknown() && r.ops.data != nil && r.ops.data.Keycloak != nil {
		if kc, err := r.ops.data.keycloakClient(r.ops.typeName); err == nil {
			plan.SPEntityID = types.StringValue(kc.Issuer(plan.Realm.ValueString()))
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

func (r *SSOSAMLIdentityProviderResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan ssoSAMLModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	p := plan.toIdP(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	got, ok := r.ops.create(ctx, plan.Timeouts.Create, plan.Realm.ValueString(), p, &resp.State, &resp.Diagnostics)
	if !ok {
		return
	}
	resp.Diagnostics.Append(plan.fromIdP(ctx, plan.Realm.ValueString(), got)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *SSOSAMLIdentityProviderResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state ssoSAMLModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	got, ok := r.ops.read(ctx, state.Timeouts.Read, state.Realm.ValueString(), state.Alias.ValueString(), &resp.Diagnostics)
	if !ok {
		return
	}
	if got == nil {
		resp.State.RemoveResource(ctx)
		return
	}
	resp.Diagnostics.Append(state.fromIdP(ctx, state.Realm.ValueString(), got)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *SSOSAMLIdentityProviderResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan ssoSAMLModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	p := plan.toIdP(ctx, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	got, ok := r.ops.update(ctx, plan.Timeouts.Update, plan.Realm.ValueString(), p, nil, &resp.Diagnostics)
	if !ok {
		return
	}
	resp.Diagnostics.Append(plan.fromIdP(ctx, plan.Realm.ValueString(), got)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *SSOSAMLIdentityProviderResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state ssoSAMLModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	r.ops.delete(ctx, state.Timeouts.Delete, state.Realm.ValueString(), state.Alias.ValueString(), &resp.Diagnostics)
}

func (r *SSOSAMLIdentityProviderResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	r.ops.importState(ctx, req, resp)
}

func (m ssoSAMLModel) toIdP(ctx context.Context, diags *diag.Diagnostics) keycloak.IdentityProvider {
	var certs []string
	diags.Append(m.SigningCertificates.ElementsAs(ctx, &certs, false)...)
	b := func(v types.Bool) string { return strconv.FormatBool(v.ValueBool()) }
	p := m.base("saml")
	p.Config = map[string]string{
		"idpEntityId":             m.IdPEntityID.ValueString(),
		"singleSignOnServiceUrl":  m.SSOURL.ValueString(),
		"singleLogoutServiceUrl":  m.SLOURL.ValueString(),
		"signingCertificate":      strings.Join(certs, ","),
		"wantAuthnRequestsSigned": b(m.WantAuthnRequestsSigned),
		"postBindingAuthnRequest": b(m.PostBindingAuthnRequest),
		"validateSignature":       b(m.ValidateSignature),
		"entityId":                m.SPEntityID.ValueString(),
		"nameIDPolicyFormat":      m.NameIDPolicyFormat.ValueString(),
		"principalType":           m.PrincipalType.ValueString(),
		"principalAttribute":      m.PrincipalAttribute.ValueString(),
		"postBindingResponse":     b(m.PostBindingResponse),
		"postBindingLogout":       b(m.PostBindingLogout),
		"wantAssertionsSigned":    b(m.WantAssertionsSigned),
		"signatureAlgorithm":      m.SignatureAlgorithm.ValueString(),
		"forceAuthn":              b(m.ForceAuthn),
	}
	return p
}

// fromIdP refreshes the model from Keycloak; metadata_xml stays as it is.
func (m *ssoSAMLModel) fromIdP(ctx context.Context, realm string, p *keycloak.IdentityProvider) ssoDiags {
	c := p.Config
	m.setBase(realm, p)
	m.IdPEntityID = types.StringValue(c["idpEntityId"])
	m.SSOURL = types.StringValue(c["singleSignOnServiceUrl"])
	m.SLOURL = types.StringValue(c["singleLogoutServiceUrl"])
	certs := []string{}
	for _, x := range strings.Split(c["signingCertificate"], ",") {
		if x = strings.TrimSpace(x); x != "" {
			certs = append(certs, x)
		}
	}
	l, diags := types.ListValueFrom(ctx, types.StringType, certs)
	m.SigningCertificates = l
	m.WantAuthnRequestsSigned = types.BoolValue(c["wantAuthnRequestsSigned"] == "true")
	m.PostBindingAuthnRequest = types.BoolValue(c["postBindingAuthnRequest"] == "true")
	m.ValidateSignature = types.BoolValue(c["validateSignature"] == "true")
	m.SPEntityID = types.StringValue(c["entityId"])
	m.NameIDPolicyFormat = types.StringValue(c["nameIDPolicyFormat"])
	m.PrincipalType = types.StringValue(c["principalType"])
	m.PrincipalAttribute = types.StringValue(c["principalAttribute"])
	m.PostBindingResponse = types.BoolValue(c["postBindingResponse"] == "true")
	m.PostBindingLogout = types.BoolValue(c["postBindingLogout"] == "true")
	m.WantAssertionsSigned = types.BoolValue(c["wantAssertionsSigned"] == "true")
	m.SignatureAlgorithm = types.StringValue(c["signatureAlgorithm"])
	m.ForceAuthn = types.BoolValue(c["forceAuthn"] == "true")
	return diags
}

// samlMetadataValidator rejects metadata documents ParseSAMLMetadata refuses.
type samlMetadataValidator struct{}

func (samlMetadataValidator) Description(context.Context) string {
	return "must be SAML 2.0 identity provider metadata"
}

func (v samlMetadataValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (samlMetadataValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := keycloak.ParseSAMLMetadata([]byte(req.ConfigValue.ValueString())); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid SAML metadata", fmt.Sprintf("metadata_xml: %s", err))
	}
}
