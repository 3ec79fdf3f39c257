package keycloak

import (
	"context"
	"errors"
	"strconv"

	"github.com/Nerzal/gocloak/v13"
)

// MFA modes of a realm.
const (
	MFAOptional = "optional" // OTP only for users who configured it (Keycloak's default)
	MFAOTP      = "otp"      // every user must use an OTP app
	MFAWebAuthn = "webauthn" // every user must use a security key
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

	// SMTP is the server the realm sends its e-mails through (invitations,
	// password resets); a zero Host means none.
	SMTP SMTP
}

// SMTP is a realm's mail server (the realm representation's smtpServer).
// GetRealm leaves Password empty: Keycloak answers it masked.
type SMTP struct {
	Host, Port, From, FromDisplayName string
	StartTLS, SSL                     bool
	User, Password                    string
}

func (s SMTP) rep() *map[string]string {
	m := map[string]string{}
	if s.Host == "" {
		// An empty smtpServer removes the realm's mail server.
		return &m
	}
	m["host"], m["from"] = s.Host, s.From
	set := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	set("port", s.Port)
	set("fromDisplayName", s.FromDisplayName)
	m["starttls"], m["ssl"] = strconv.FormatBool(s.StartTLS), strconv.FormatBool(s.SSL)
	m["auth"] = strconv.FormatBool(s.User != "")
	if s.User != "" {
		m["user"] = s.User
		// Keycloak keeps the stored password when it gets its mask back.
		m["password"] = s.Password
		if s.Password == "" {
			m["password"] = Mask
		}
	}
	return &m
}

func smtpFrom(m *map[string]string) SMTP {
	if m == nil {
		return SMTP{}
	}
	x := *m
	s := SMTP{Host: x["host"], Port: x["port"], From: x["from"], FromDisplayName: x["fromDisplayName"],
		StartTLS: x["starttls"] == "true", SSL: x["ssl"] == "true"}
	if x["auth"] == "true" {
		s.User = x["user"]
	}
	return s
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
		SMTPServer: r.SMTP.rep(),
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
		SMTP:                     smtpFrom(rep.SMTPServer),
	}
	mfa, err := c.mfaOf(ctx, name, boundBrowserFlow(rep))
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
