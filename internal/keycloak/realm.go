package keycloak

import (
	"context"
	"errors"
	"fmt"

	"github.com/Nerzal/gocloak/v13"
)

// MFA modes of a realm.
const (
	MFAOptional = "optional" // OTP only for users who configured it (Keycloak's default)
	MFAOTP      = "otp"      // every user must use an OTP app
	MFAWebAuthn = "webauthn" // every user must use a security key
)

// Names in Keycloak's default browser flow that the MFA mode drives.
const (
	BrowserFlow        = "browser"
	ConditionalOTPFlow = "Browser - Conditional OTP"
	OTPAuthenticator   = "auth-otp-form"
	WebAuthnAuth       = "webauthn-authenticator"
	ConfigureTOTP      = "CONFIGURE_TOTP"
	WebAuthnRegister   = "webauthn-register"
)

// Realm is the part of a realm tenantops manages.
type Realm struct {
	ID          string
	Name        string
	DisplayName string
	Enabled     bool
	MFA         string

	OTPType      string
	OTPAlgorithm string
	OTPDigits    int
	OTPPeriod    int

	WebAuthnRPName           string
	WebAuthnAttestation      string
	WebAuthnUserVerification string

	PasswordPolicy string

	SSOSessionIdleTimeout int
	SSOSessionMaxLifespan int
}

func (r Realm) rep() gocloak.RealmRepresentation {
	return gocloak.RealmRepresentation{
		Realm:                      sp(r.Name),
		DisplayName:                sp(r.DisplayName),
		Enabled:                    bp(r.Enabled),
		OtpPolicyType:              sp(r.OTPType),
		OtpPolicyAlgorithm:         sp(r.OTPAlgorithm),
		OtpPolicyDigits:            ip(r.OTPDigits),
		OtpPolicyPeriod:            ip(r.OTPPeriod),
		PasswordPolicy:             sp(r.PasswordPolicy),
		SsoSessionIdleTimeout:      ip(r.SSOSessionIdleTimeout),
		SsoSessionMaxLifespan:      ip(r.SSOSessionMaxLifespan),
		WebAuthnPolicyRpEntityName: sp(r.WebAuthnRPName),
		WebAuthnPolicyAttestationConveyancePreference: sp(r.WebAuthnAttestation),
		WebAuthnPolicyUserVerificationRequirement:     sp(r.WebAuthnUserVerification),
	}
}

// CreateRealm creates the realm with its policies. The MFA mode is applied
// separately with SetMFA, so a caller can record the new realm first.
func (c *Client) CreateRealm(ctx context.Context, r Realm) error {
	rep := r.rep()
	return c.do(ctx, func(tok string) error {
		_, err := c.gc.CreateRealm(ctx, tok, rep)
		return err
	})
}

// EnsureRealm makes the realm exist with the given settings and MFA mode:
// it creates a missing realm and updates an existing one. It reports
// whether the realm was created.
func (c *Client) EnsureRealm(ctx context.Context, r Realm) (created bool, err error) {
	_, err = c.GetRealm(ctx, r.Name)
	switch {
	case IsNotFound(err):
		if err := c.CreateRealm(ctx, r); err != nil {
			return false, err
		}
		return true, c.SetMFA(ctx, r.Name, r.MFA)
	case err != nil:
		return false, err
	}
	return false, c.UpdateRealm(ctx, r)
}

// GetRealm reads a realm and its effective MFA mode.
func (c *Client) GetRealm(ctx context.Context, name string) (*Realm, error) {
	var rep *gocloak.RealmRepresentation
	if err := c.do(ctx, func(tok string) (err error) {
		rep, err = c.gc.GetRealm(ctx, tok, name)
		return err
	}); err != nil {
		return nil, err
	}
	r := &Realm{
		ID:                       gocloak.PString(rep.ID),
		Name:                     gocloak.PString(rep.Realm),
		DisplayName:              gocloak.PString(rep.DisplayName),
		Enabled:                  gocloak.PBool(rep.Enabled),
		OTPType:                  gocloak.PString(rep.OtpPolicyType),
		OTPAlgorithm:             gocloak.PString(rep.OtpPolicyAlgorithm),
		OTPDigits:                gocloak.PInt(rep.OtpPolicyDigits),
		OTPPeriod:                gocloak.PInt(rep.OtpPolicyPeriod),
		WebAuthnRPName:           gocloak.PString(rep.WebAuthnPolicyRpEntityName),
		WebAuthnAttestation:      gocloak.PString(rep.WebAuthnPolicyAttestationConveyancePreference),
		WebAuthnUserVerification: gocloak.PString(rep.WebAuthnPolicyUserVerificationRequirement),
		PasswordPolicy:           gocloak.PString(rep.PasswordPolicy),
		SSOSessionIdleTimeout:    gocloak.PInt(rep.SsoSessionIdleTimeout),
		SSOSessionMaxLifespan:    gocloak.PInt(rep.SsoSessionMaxLifespan),
	}
	mfa, err := c.GetMFA(ctx, name)
	if err != nil {
		return nil, err
	}
	r.MFA = mfa
	return r, nil
}

// UpdateRealm writes only the fields tenantops manages (Keycloak applies
// the fields present in the representation and leaves the rest alone), then
// the MFA mode.
func (c *Client) UpdateRealm(ctx context.Context, r Realm) error {
	rep := r.rep()
	if err := c.do(ctx, func(tok string) error { return c.gc.UpdateRealm(ctx, tok, rep) }); err != nil {
		return err
	}
	return c.SetMFA(ctx, r.Name, r.MFA)
}

// DeleteRealm deletes a realm; a realm already gone is not an error.
func (c *Client) DeleteRealm(ctx context.Context, name string) error {
	err := c.do(ctx, func(tok string) error { return c.gc.DeleteRealm(ctx, tok, name) })
	if IsNotFound(err) {
		return nil
	}
	return err
}

// IsNotFound reports whether err means the object does not exist.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

type mfaPlan struct {
	subflow, otp, webauthn       string
	totpDefault, webauthnDefault bool
}

func planFor(mode string) (mfaPlan, error) {
	switch mode {
	case MFAOTP:
		return mfaPlan{"REQUIRED", "REQUIRED", "DISABLED", true, false}, nil
	case MFAWebAuthn:
		return mfaPlan{"REQUIRED", "DISABLED", "REQUIRED", false, true}, nil
	case MFAOptional, "":
		return mfaPlan{"CONDITIONAL", "REQUIRED", "DISABLED", false, false}, nil
	}
	return mfaPlan{}, fmt.Errorf("unknown MFA mode %q", mode)
}

// browserExecutions returns the executions of the conditional OTP sub-flow
// of the realm's browser flow: the sub-flow itself and the executions in it.
func (c *Client) browserExecutions(ctx context.Context, realm string) (sub *gocloak.ModifyAuthenticationExecutionRepresentation, inner []*gocloak.ModifyAuthenticationExecutionRepresentation, err error) {
	var all []*gocloak.ModifyAuthenticationExecutionRepresentation
	if err := c.do(ctx, func(tok string) (err error) {
		all, err = c.gc.GetAuthenticationExecutions(ctx, tok, realm, BrowserFlow)
		return err
	}); err != nil {
		return nil, nil, err
	}
	for i, e := range all {
		if gocloak.PBool(e.AuthenticationFlow) && gocloak.PString(e.DisplayName) == ConditionalOTPFlow {
			sub = e
			level := gocloak.PInt(e.Level)
			for _, x := range all[i+1:] {
				if gocloak.PInt(x.Level) <= level {
					break
				}
				if gocloak.PInt(x.Level) == level+1 {
					inner = append(inner, x)
				}
			}
			return sub, inner, nil
		}
	}
	return nil, nil, &Error{Status: 409, Message: fmt.Sprintf("the %q flow of realm %q has no %q sub-flow; tenantops manages MFA through Keycloak's default browser flow", BrowserFlow, realm, ConditionalOTPFlow)}
}

func findExec(list []*gocloak.ModifyAuthenticationExecutionRepresentation, provider string) *gocloak.ModifyAuthenticationExecutionRepresentation {
	for _, e := range list {
		if gocloak.PString(e.ProviderID) == provider && !gocloak.PBool(e.AuthenticationFlow) {
			return e
		}
	}
	return nil
}

// GetMFA derives the realm's MFA mode from its browser flow.
func (c *Client) GetMFA(ctx context.Context, realm string) (string, error) {
	sub, inner, err := c.browserExecutions(ctx, realm)
	if err != nil {
		return "", err
	}
	if gocloak.PString(sub.Requirement) == "REQUIRED" {
		if w := findExec(inner, WebAuthnAuth); w != nil && gocloak.PString(w.Requirement) == "REQUIRED" {
			return MFAWebAuthn, nil
		}
		if o := findExec(inner, OTPAuthenticator); o != nil && gocloak.PString(o.Requirement) == "REQUIRED" {
			return MFAOTP, nil
		}
	}
	return MFAOptional, nil
}

// SetMFA sets the browser flow's OTP and WebAuthn executions and the
// default required actions for an MFA mode.
func (c *Client) SetMFA(ctx context.Context, realm, mode string) error {
	p, err := planFor(mode)
	if err != nil {
		return err
	}
	sub, inner, err := c.browserExecutions(ctx, realm)
	if err != nil {
		return err
	}
	if findExec(inner, WebAuthnAuth) == nil && p.webauthn != "DISABLED" {
		subAlias := gocloak.PString(sub.DisplayName)
		if err := c.do(ctx, func(tok string) error {
			return c.gc.CreateAuthenticationExecution(ctx, tok, realm, subAlias,
				gocloak.CreateAuthenticationExecutionRepresentation{Provider: sp(WebAuthnAuth)})
		}); err != nil {
			return err
		}
		if sub, inner, err = c.browserExecutions(ctx, realm); err != nil {
			return err
		}
	}
	set := func(e *gocloak.ModifyAuthenticationExecutionRepresentation, req string) error {
		if e == nil || gocloak.PString(e.Requirement) == req {
			return nil
		}
		upd := gocloak.ModifyAuthenticationExecutionRepresentation{ID: e.ID, Requirement: sp(req), FlowID: e.FlowID,
			ProviderID: e.ProviderID, DisplayName: e.DisplayName, AuthenticationFlow: e.AuthenticationFlow,
			Level: e.Level, Index: e.Index, RequirementChoices: e.RequirementChoices, Description: e.Description}
		return c.do(ctx, func(tok string) error {
			return c.gc.UpdateAuthenticationExecution(ctx, tok, realm, BrowserFlow, upd)
		})
	}
	if err := set(findExec(inner, OTPAuthenticator), p.otp); err != nil {
		return err
	}
	if err := set(findExec(inner, WebAuthnAuth), p.webauthn); err != nil {
		return err
	}
	if err := set(sub, p.subflow); err != nil {
		return err
	}
	if err := c.setDefaultAction(ctx, realm, ConfigureTOTP, p.totpDefault); err != nil {
		return err
	}
	return c.setDefaultAction(ctx, realm, WebAuthnRegister, p.webauthnDefault)
}

func (c *Client) setDefaultAction(ctx context.Context, realm, alias string, def bool) error {
	var a *gocloak.RequiredActionProviderRepresentation
	if err := c.do(ctx, func(tok string) (err error) {
		a, err = c.gc.GetRequiredAction(ctx, tok, realm, alias)
		return err
	}); err != nil {
		return err
	}
	if gocloak.PBool(a.DefaultAction) == def && (!def || gocloak.PBool(a.Enabled)) {
		return nil
	}
	a.DefaultAction = bp(def)
	if def {
		a.Enabled = bp(true)
	}
	return c.do(ctx, func(tok string) error { return c.gc.UpdateRequiredAction(ctx, tok, realm, *a) })
}
