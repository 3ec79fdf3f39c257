package keycloak

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/Nerzal/gocloak/v13"
)

// Names in Keycloak's authentication flows that the MFA mode drives.
const (
	// BrowserFlow is Keycloak's built-in browser flow, bound to a new realm.
	BrowserFlow = "browser"
	// TenantopsBrowserFlow is the copy of the built-in browser flow
	// tenantops binds when a mode needs an execution the built-in flow
	// lacks: Keycloak refuses to add executions to a built-in flow.
	TenantopsBrowserFlow = "tenantops browser"
	OTPAuthenticator     = "auth-otp-form"
	WebAuthnAuth         = "webauthn-authenticator"
	ConfigureTOTP        = "CONFIGURE_TOTP"
	WebAuthnRegister     = "webauthn-register"
)

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

type execRep = gocloak.ModifyAuthenticationExecutionRepresentation

// boundBrowserFlow is the alias of the browser flow bound to a realm.
func boundBrowserFlow(rep *gocloak.RealmRepresentation) string {
	if f := gocloak.PString(rep.BrowserFlow); f != "" {
		return f
	}
	return BrowserFlow
}

// otpExecutions returns, in the flow named alias, the sub-flow that holds
// the OTP form (Keycloak's "Browser - Conditional OTP", or its copy
// "<copy> Browser - Conditional OTP") and the executions directly in it.
func (c *Client) otpExecutions(ctx context.Context, realm, alias string) (sub *execRep, inner []*execRep, err error) {
	var all []*execRep
	if err := c.do(ctx, func(tok string) (err error) {
		all, err = c.gc.GetAuthenticationExecutions(ctx, tok, realm, alias)
		return err
	}); err != nil {
		return nil, nil, err
	}
	for i, e := range all {
		if gocloak.PBool(e.AuthenticationFlow) || gocloak.PString(e.ProviderID) != OTPAuthenticator {
			continue
		}
		level := gocloak.PInt(e.Level)
		for j := i - 1; j >= 0 && sub == nil; j-- {
			if gocloak.PBool(all[j].AuthenticationFlow) && gocloak.PInt(all[j].Level) == level-1 {
				sub = all[j]
				for _, x := range all[j+1:] {
					if gocloak.PInt(x.Level) < level {
						break
					}
					if gocloak.PInt(x.Level) == level {
						inner = append(inner, x)
					}
				}
			}
		}
		if sub != nil {
			return sub, inner, nil
		}
	}
	return nil, nil, &Error{Status: http.StatusConflict, Message: fmt.Sprintf("the browser flow %q of realm %q has no sub-flow holding the OTP form; "+
		"tenantops manages MFA through Keycloak's default browser flow or its copy %q", alias, realm, TenantopsBrowserFlow)}
}

func findExec(list []*execRep, provider string) *execRep {
	for _, e := range list {
		if gocloak.PString(e.ProviderID) == provider && !gocloak.PBool(e.AuthenticationFlow) {
			return e
		}
	}
	return nil
}

// GetMFA derives the realm's MFA mode from its bound browser flow.
func (c *Client) GetMFA(ctx context.Context, realm string) (string, error) {
	alias, err := c.browserFlowOf(ctx, realm)
	if err != nil {
		return "", err
	}
	return c.mfaOf(ctx, realm, alias)
}

func (c *Client) mfaOf(ctx context.Context, realm, alias string) (string, error) {
	sub, inner, err := c.otpExecutions(ctx, realm, alias)
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

func (c *Client) browserFlowOf(ctx context.Context, realm string) (string, error) {
	var rep *gocloak.RealmRepresentation
	if err := c.do(ctx, func(tok string) (err error) {
		rep, err = c.gc.GetRealm(ctx, tok, realm)
		return err
	}); err != nil {
		return "", err
	}
	return boundBrowserFlow(rep), nil
}

// SetMFA sets the requirements of the OTP and WebAuthn executions in the
// realm's bound browser flow, and the default required actions, for an MFA
// mode. Keycloak lets requirements change in its built-in browser flow but
// refuses to add an execution to it ("It is illegal to add execution to a
// built in flow"), so a mode that needs the WebAuthn authenticator, which
// the built-in flow lacks, first copies the flow to TenantopsBrowserFlow,
// adds the authenticator there and binds the copy to the realm.
func (c *Client) SetMFA(ctx context.Context, realm, mode string) error {
	p, err := planFor(mode)
	if err != nil {
		return err
	}
	alias, err := c.browserFlowOf(ctx, realm)
	if err != nil {
		return err
	}
	sub, inner, err := c.otpExecutions(ctx, realm, alias)
	if err != nil {
		return err
	}
	if findExec(inner, WebAuthnAuth) == nil && p.webauthn != "DISABLED" {
		if alias, err = c.editableBrowserFlow(ctx, realm, alias); err != nil {
			return err
		}
		if sub, _, err = c.otpExecutions(ctx, realm, alias); err != nil {
			return err
		}
		subAlias := gocloak.PString(sub.DisplayName)
		if err := c.do(ctx, func(tok string) error {
			return c.gc.CreateAuthenticationExecution(ctx, tok, realm, subAlias,
				gocloak.CreateAuthenticationExecutionRepresentation{Provider: sp(WebAuthnAuth)})
		}); err != nil {
			return err
		}
		if sub, inner, err = c.otpExecutions(ctx, realm, alias); err != nil {
			return err
		}
	}
	for _, step := range []struct {
		e   *execRep
		req string
	}{{findExec(inner, OTPAuthenticator), p.otp}, {findExec(inner, WebAuthnAuth), p.webauthn}, {sub, p.subflow}} {
		if err := c.setRequirement(ctx, realm, alias, step.e, step.req); err != nil {
			return err
		}
	}
	if err := c.setDefaultAction(ctx, realm, ConfigureTOTP, p.totpDefault); err != nil {
		return err
	}
	return c.setDefaultAction(ctx, realm, WebAuthnRegister, p.webauthnDefault)
}

// editableBrowserFlow returns a browser flow of the realm that may take
// new executions: the bound one when it is not built in, else
// TenantopsBrowserFlow, copied from the bound flow when missing and bound
// to the realm.
func (c *Client) editableBrowserFlow(ctx context.Context, realm, bound string) (string, error) {
	var flows []*gocloak.AuthenticationFlowRepresentation
	if err := c.do(ctx, func(tok string) (err error) {
		flows, err = c.gc.GetAuthenticationFlows(ctx, tok, realm)
		return err
	}); err != nil {
		return "", err
	}
	builtIn, haveCopy := true, false
	for _, f := range flows {
		switch gocloak.PString(f.Alias) {
		case bound:
			builtIn = gocloak.PBool(f.BuiltIn)
		case TenantopsBrowserFlow:
			haveCopy = true
		}
	}
	if !builtIn {
		return bound, nil
	}
	if !haveCopy {
		path := "/admin/realms/" + url.PathEscape(realm) + "/authentication/flows/" + url.PathEscape(bound) + "/copy"
		if err := c.send(ctx, http.MethodPost, path, map[string]string{"newName": TenantopsBrowserFlow}); err != nil {
			return "", err
		}
	}
	bind := gocloak.RealmRepresentation{Realm: sp(realm), BrowserFlow: sp(TenantopsBrowserFlow)}
	if err := c.do(ctx, func(tok string) error { return c.gc.UpdateRealm(ctx, tok, bind) }); err != nil {
		return "", err
	}
	return TenantopsBrowserFlow, nil
}

// executionUpdate is the body of PUT .../flows/{flowAlias}/executions with
// the two fields Keycloak reads to change a requirement. gocloak's
// ModifyAuthenticationExecutionRepresentation would send every field it
// lacks as null, which AuthenticationExecutionInfoRepresentation does not
// allow.
type executionUpdate struct {
	ID          string `json:"id"`
	Requirement string `json:"requirement"`
}

func (c *Client) setRequirement(ctx context.Context, realm, flow string, e *execRep, req string) error {
	if e == nil || gocloak.PString(e.Requirement) == req {
		return nil
	}
	path := "/admin/realms/" + url.PathEscape(realm) + "/authentication/flows/" + url.PathEscape(flow) + "/executions"
	return c.send(ctx, http.MethodPut, path, executionUpdate{ID: gocloak.PString(e.ID), Requirement: req})
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
