package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/tenantops/tenantops/internal/keycloak"
	"github.com/tenantops/tenantops/provider/validators"
)

var (
	_ resource.ResourceWithImportState    = &SSOSAMLIdentityProviderResource{}
	_ resource.ResourceWithModifyPlan     = &SSOSAMLIdentityProviderResource{}
	_ resource.ResourceWithValidateConfig = &SSOSAMLIdentityProviderResource{}
)

// NewSSOSAMLIdentityProviderResource is the constructor the provider registers.
func NewSSOSAMLIdentityProviderResource() resource.Resource {
	return &SSOSAMLIdentityProviderResource{newIdPResource[ssoSAMLModel]("sso_saml_identity_provider", "SAML")}
}

// SSOSAMLIdentityProviderResource brokers a customer's SAML 2.0 identity
// provider into a realm, configured from its metadata or explicitly.
type SSOSAMLIdentityProviderResource struct {
	ssoIdPResource[ssoSAMLModel, *ssoSAMLModel]
}

type ssoSAMLModel struct {
	ssoIdPModel
	MetadataXML             types.String `tfsdk:"metadata_xml"`
	IdPEntityID             types.String `tfsdk:"idp_entity_id"`
	SSOURL                  types.String `tfsdk:"single_sign_on_service_url"`
	SLOURL                  types.String `tfsdk:"single_logout_service_url"`
	SigningCertificates     types.List   `tfsdk:"signing_certificates"`
	WantAuthnRequestsSigned types.Bool   `tfsdk:"want_authn_requests_signed"`
	PostBindingAuthnRequest types.Bool   `tfsdk:"post_binding_authn_request"`
	ValidateSignature       types.Bool   `tfsdk:"validate_signature"`
	SPEntityID              types.String `tfsdk:"sp_entity_id"`
	NameIDPolicyFormat      types.String `tfsdk:"name_id_policy_format"`
	PrincipalType           types.String `tfsdk:"principal_type"`
	PrincipalAttribute      types.String `tfsdk:"principal_attribute"`
	PostBindingResponse     types.Bool   `tfsdk:"post_binding_response"`
	PostBindingLogout       types.Bool   `tfsdk:"post_binding_logout"`
	WantAssertionsSigned    types.Bool   `tfsdk:"want_assertions_signed"`
	SignatureAlgorithm      types.String `tfsdk:"signature_algorithm"`
	ForceAuthn              types.Bool   `tfsdk:"force_authn"`
}

func (m *ssoSAMLModel) label() string        { return m.describe("SAML") }
func (m *ssoSAMLModel) common() *ssoIdPModel { return &m.ssoIdPModel }

func (r *SSOSAMLIdentityProviderResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := ssoIdPCommonAttributes()
	// optional: derived from metadata_xml unless set
	attrs["metadata_xml"] = optionalString("The identity provider's SAML 2.0 metadata document (e.g. `file(\"idp-metadata.xml\")`). "+
		"Entity id, endpoints and signing certificates are taken from it unless set explicitly. At most 1 MiB; "+
		"documents with a DOCTYPE are refused. Kept in state only (Keycloak does not store it).", samlMetadataValidator)
	attrs["idp_entity_id"] = derivedString("Entity id of the identity provider (from the metadata unless set).")
	attrs["single_sign_on_service_url"] = derivedString("SSO endpoint (from the metadata, HTTP-POST binding preferred, unless set).")
	attrs["single_logout_service_url"] = derivedString("Single logout endpoint (from the metadata unless set; empty for none).")
	attrs["signing_certificates"] = schema.ListAttribute{ElementType: types.StringType, Optional: true, Computed: true,
		MarkdownDescription: "Base64 DER certificates the identity provider signs with (from the metadata unless set)."}
	attrs["want_authn_requests_signed"] = derivedBool("Sign authentication requests (from the metadata's `WantAuthnRequestsSigned` unless set).")
	attrs["post_binding_authn_request"] = derivedBool("Send requests with HTTP-POST (true when the SSO URL is the POST endpoint, unless set).")
	attrs["validate_signature"] = derivedBool("Validate signatures of the identity provider's responses (true when signing certificates are known, unless set).")
	attrs["sp_entity_id"] = derivedString("Entity id tenantops presents as service provider (default: the realm's issuer URL).")
	// optional with defaults
	attrs["name_id_policy_format"] = defaultString("Requested NameID format. Default `urn:oasis:names:tc:SAML:2.0:nameid-format:persistent`.",
		"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent")
	attrs["principal_type"] = defaultString("Where the username comes from: `SUBJECT` (default), `ATTRIBUTE` or `FRIENDLY_ATTRIBUTE`.",
		"SUBJECT", stringvalidator.OneOf("SUBJECT", "ATTRIBUTE", "FRIENDLY_ATTRIBUTE"))
	attrs["principal_attribute"] = defaultString("Attribute holding the username when `principal_type` is not `SUBJECT`.", "")
	attrs["post_binding_response"] = defaultBool("Answer with HTTP-POST. Default `true`.", true)
	attrs["post_binding_logout"] = defaultBool("Log out with HTTP-POST. Default `true`.", true)
	attrs["want_assertions_signed"] = defaultBool("Require signed assertions. Default `false`.", false)
	attrs["signature_algorithm"] = defaultString("Signature algorithm of our requests: `RSA_SHA256` (default), `RSA_SHA512`, `RSA_SHA1`.",
		"RSA_SHA256", stringvalidator.OneOf("RSA_SHA256", "RSA_SHA512", "RSA_SHA1"))
	attrs["force_authn"] = defaultBool("Ask the identity provider to re-authenticate the user. Default `false`.", false)
	resp.Schema = schema.Schema{
		MarkdownDescription: "The customer's own SAML 2.0 identity provider (ADFS, Entra ID, Okta, ...) brokered into a tenant " +
			"realm. Give the customer's metadata XML in `metadata_xml` and the entity id, endpoints and signing " +
			"certificates are derived from it; or set them explicitly. Import with `<realm>/<alias>` (the metadata " +
			"document itself is not stored in Keycloak, so an imported provider shows `metadata_xml` being added once).",
		Attributes: attrs,
		Blocks:     r.timeoutsBlock(ctx),
	}
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
	if cfg.SPEntityID.IsNull() && !plan.Realm.IsUnknown() && r.data != nil && r.data.Keycloak != nil {
		if kc, err := r.data.keycloakClient(ctx, r.typeName()); err == nil {
			plan.SPEntityID = types.StringValue(kc.Issuer(plan.Realm.ValueString()))
		}
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

func (m *ssoSAMLModel) toIdP(ctx context.Context, diags *diag.Diagnostics) keycloak.IdentityProvider {
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
func (m *ssoSAMLModel) fromIdP(ctx context.Context, realm string, p *keycloak.IdentityProvider) diag.Diagnostics {
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
var samlMetadataValidator = validators.String("must be SAML 2.0 identity provider metadata",
	func(_ path.Path, v string) (string, string) {
		if _, err := keycloak.ParseSAMLMetadata([]byte(v)); err != nil {
			return "Invalid SAML metadata", fmt.Sprintf("metadata_xml: %s", err)
		}
		return "", ""
	})
