package keycloak

// Defaults a fresh Keycloak realm comes with: the representation fields
// tenantops reads, the built-in authentication flows and the required actions.

var requirementsAuthenticator = []string{"REQUIRED", "ALTERNATIVE", "DISABLED"}
var requirementsCondition = []string{"REQUIRED", "DISABLED"}
var requirementsFlow = []string{"REQUIRED", "ALTERNATIVE", "DISABLED", "CONDITIONAL"}

// authenticatorNames are the display names of the authenticators we know.
var authenticatorNames = map[string]string{
	"auth-cookie":                         "Cookie",
	"auth-spnego":                         "Kerberos",
	"identity-provider-redirector":        "Identity Provider Redirector",
	"auth-username-password-form":         "Username Password Form",
	"conditional-user-configured":         "Condition - user configured",
	"auth-otp-form":                       "OTP Form",
	"webauthn-authenticator":              "WebAuthn Authenticator",
	"webauthn-authenticator-passwordless": "WebAuthn Passwordless Authenticator",
	"direct-grant-validate-username":      "Username Validation",
	"direct-grant-validate-password":      "Password",
	"registration-page-form":              "Registration Page",
	"reset-credentials-choose-user":       "Choose User",
	"reset-password":                      "Reset Password",
	"client-secret":                       "Client Id and Secret",
	"client-jwt":                          "Signed Jwt",
	"idp-review-profile":                  "Review Profile",
	"idp-create-user-if-unique":           "Create User If Unique",
}

func newRealm(name string) *realm {
	id := newID()
	if name == "master" {
		id = "master"
	}
	r := &realm{rep: map[string]any{
		"id":                                id,
		"realm":                             name,
		"displayName":                       "",
		"enabled":                           true,
		"sslRequired":                       "external",
		"accessTokenLifespan":               300,
		"ssoSessionIdleTimeout":             1800,
		"ssoSessionMaxLifespan":             36000,
		"ssoSessionIdleTimeoutRememberMe":   0,
		"ssoSessionMaxLifespanRememberMe":   0,
		"offlineSessionIdleTimeout":         2592000,
		"bruteForceProtected":               false,
		"otpPolicyType":                     "totp",
		"otpPolicyAlgorithm":                "HmacSHA1",
		"otpPolicyInitialCounter":           0,
		"otpPolicyDigits":                   6,
		"otpPolicyLookAheadWindow":          1,
		"otpPolicyPeriod":                   30,
		"otpPolicyCodeReusable":             false,
		"otpSupportedApplications":          []any{"totpAppFreeOTPName", "totpAppGoogleName", "totpAppMicrosoftAuthenticatorName"},
		"webAuthnPolicyRpEntityName":        "keycloak",
		"webAuthnPolicySignatureAlgorithms": []any{"ES256", "RS256"},
		"webAuthnPolicyRpId":                "",
		"webAuthnPolicyAttestationConveyancePreference":             "not specified",
		"webAuthnPolicyAuthenticatorAttachment":                     "not specified",
		"webAuthnPolicyRequireResidentKey":                          "not specified",
		"webAuthnPolicyUserVerificationRequirement":                 "not specified",
		"webAuthnPolicyCreateTimeout":                               0,
		"webAuthnPolicyAvoidSameAuthenticatorRegister":              false,
		"webAuthnPolicyAcceptableAaguids":                           []any{},
		"webAuthnPolicyPasswordlessRpEntityName":                    "keycloak",
		"webAuthnPolicyPasswordlessSignatureAlgorithms":             []any{"ES256", "RS256"},
		"webAuthnPolicyPasswordlessRpId":                            "",
		"webAuthnPolicyPasswordlessAttestationConveyancePreference": "not specified",
		"webAuthnPolicyPasswordlessAuthenticatorAttachment":         "not specified",
		"webAuthnPolicyPasswordlessRequireResidentKey":              "not specified",
		"webAuthnPolicyPasswordlessUserVerificationRequirement":     "not specified",
		"webAuthnPolicyPasswordlessCreateTimeout":                   0,
		"webAuthnPolicyPasswordlessAvoidSameAuthenticatorRegister":  false,
		"webAuthnPolicyPasswordlessAcceptableAaguids":               []any{},
		"browserFlow":              "browser",
		"registrationFlow":         "registration",
		"directGrantFlow":          "direct grant",
		"resetCredentialsFlow":     "reset credentials",
		"clientAuthenticationFlow": "clients",
		"dockerAuthenticationFlow": "docker auth",
		"attributes":               map[string]any{},
	}}

	sub := func(alias, desc string, execs ...*execution) *flow {
		return &flow{ID: newID(), Alias: alias, Description: desc, ProviderID: "basic-flow", BuiltIn: true, Execs: execs}
	}
	top := func(alias, desc, provider string, execs ...*execution) *flow {
		f := sub(alias, desc, execs...)
		f.TopLevel = true
		if provider != "" {
			f.ProviderID = provider
		}
		return f
	}
	auth := func(provider, req string, prio int) *execution {
		return &execution{ID: newID(), Authenticator: provider, DisplayName: authenticatorNames[provider], Requirement: req, Priority: prio}
	}
	ref := func(f *flow, req string, prio int) *execution {
		return &execution{ID: newID(), SubFlowID: f.ID, DisplayName: f.Alias, Requirement: req, Priority: prio}
	}

	condOTP := sub("Browser - Conditional OTP", "Flow to determine if the OTP is required for the authentication",
		auth("conditional-user-configured", "REQUIRED", 10),
		auth("auth-otp-form", "REQUIRED", 20))
	forms := sub("forms", "Username, password, otp and other auth forms.",
		auth("auth-username-password-form", "REQUIRED", 10),
		ref(condOTP, "CONDITIONAL", 20))
	browser := top("browser", "browser based authentication", "",
		auth("auth-cookie", "ALTERNATIVE", 10),
		auth("auth-spnego", "DISABLED", 20),
		auth("identity-provider-redirector", "ALTERNATIVE", 25),
		ref(forms, "ALTERNATIVE", 30))
	r.flows = []*flow{
		browser, forms, condOTP,
		top("direct grant", "OpenID Connect Resource Owner Grant", "",
			auth("direct-grant-validate-username", "REQUIRED", 10),
			auth("direct-grant-validate-password", "REQUIRED", 20)),
		top("registration", "registration flow", "",
			auth("registration-page-form", "REQUIRED", 10)),
		top("reset credentials", "Reset credentials for a user if they forgot their password or something", "",
			auth("reset-credentials-choose-user", "REQUIRED", 10),
			auth("reset-password", "REQUIRED", 30)),
		top("clients", "Base authentication for clients", "client-flow",
			auth("client-secret", "ALTERNATIVE", 10),
			auth("client-jwt", "ALTERNATIVE", 20)),
		top("first broker login", "Actions taken after first broker login with identity provider account, which is not yet linked to any Keycloak account", "",
			auth("idp-review-profile", "REQUIRED", 10),
			auth("idp-create-user-if-unique", "ALTERNATIVE", 20)),
	}

	action := func(alias, name string, enabled bool, prio int) map[string]any {
		return map[string]any{"alias": alias, "name": name, "providerId": alias, "enabled": enabled,
			"defaultAction": false, "priority": prio, "config": map[string]any{}}
	}
	r.actions = []map[string]any{
		action("CONFIGURE_TOTP", "Configure OTP", true, 10),
		action("TERMS_AND_CONDITIONS", "Terms and Conditions", false, 20),
		action("UPDATE_PASSWORD", "Update Password", true, 30),
		action("UPDATE_PROFILE", "Update Profile", true, 40),
		action("VERIFY_EMAIL", "Verify Email", true, 50),
		action("delete_account", "Delete Account", false, 60),
		action("webauthn-register", "Webauthn Register", true, 70),
		action("webauthn-register-passwordless", "Webauthn Register Passwordless", true, 80),
		action("VERIFY_PROFILE", "Verify Profile", true, 90),
		action("delete_credential", "Delete Credential", true, 100),
		action("update_user_locale", "Update User Locale", true, 1000),
	}
	return r
}

func (r *realm) flowByID(id string) *flow {
	for _, f := range r.flows {
		if f.ID == id {
			return f
		}
	}
	return &flow{}
}

func (r *realm) flowByAlias(alias string) *flow {
	for _, f := range r.flows {
		if f.Alias == alias {
			return f
		}
	}
	return nil
}

func (r *realm) execByID(id string) (*execution, *flow) {
	for _, f := range r.flows {
		for _, e := range f.Execs {
			if e.ID == id {
				return e, f
			}
		}
	}
	return nil, nil
}

func choices(e *execution) []string {
	switch {
	case e.SubFlowID != "":
		return requirementsFlow
	case len(e.Authenticator) > 12 && e.Authenticator[:12] == "conditional-":
		return requirementsCondition
	default:
		return requirementsAuthenticator
	}
}
