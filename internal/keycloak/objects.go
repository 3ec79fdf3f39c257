package keycloak

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/Nerzal/gocloak/v13"
)

// OIDCClient is the part of an OpenID Connect client tenantops manages.
type OIDCClient struct {
	ID                        string // Keycloak's internal id
	ClientID                  string
	Name                      string
	Description               string
	Enabled                   bool
	PublicClient              bool
	StandardFlowEnabled       bool
	DirectAccessGrantsEnabled bool
	ServiceAccountsEnabled    bool
	RedirectURIs              []string
	WebOrigins                []string
	Secret                    string // read only
}

func (o OIDCClient) apply(c *gocloak.Client) {
	redirect, origins := append([]string{}, o.RedirectURIs...), append([]string{}, o.WebOrigins...)
	c.ClientID = sp(o.ClientID)
	c.Name = sp(o.Name)
	c.Description = sp(o.Description)
	c.Enabled = bp(o.Enabled)
	c.Protocol = sp("openid-connect")
	c.PublicClient = bp(o.PublicClient)
	c.StandardFlowEnabled = bp(o.StandardFlowEnabled)
	c.DirectAccessGrantsEnabled = bp(o.DirectAccessGrantsEnabled)
	c.ServiceAccountsEnabled = bp(o.ServiceAccountsEnabled)
	c.RedirectURIs = &redirect
	c.WebOrigins = &origins
}

func fromClient(c *gocloak.Client) *OIDCClient {
	o := &OIDCClient{
		ID:                        gocloak.PString(c.ID),
		ClientID:                  gocloak.PString(c.ClientID),
		Name:                      gocloak.PString(c.Name),
		Description:               gocloak.PString(c.Description),
		Enabled:                   gocloak.PBool(c.Enabled),
		PublicClient:              gocloak.PBool(c.PublicClient),
		StandardFlowEnabled:       gocloak.PBool(c.StandardFlowEnabled),
		DirectAccessGrantsEnabled: gocloak.PBool(c.DirectAccessGrantsEnabled),
		ServiceAccountsEnabled:    gocloak.PBool(c.ServiceAccountsEnabled),
		Secret:                    gocloak.PString(c.Secret),
	}
	if c.RedirectURIs != nil {
		o.RedirectURIs = *c.RedirectURIs
	}
	if c.WebOrigins != nil {
		o.WebOrigins = *c.WebOrigins
	}
	return o
}

// CreateClient creates an OIDC client and returns its internal id.
func (c *Client) CreateClient(ctx context.Context, realm string, o OIDCClient) (string, error) {
	var rep gocloak.Client
	o.apply(&rep)
	var id string
	err := c.do(ctx, func(tok string) (err error) {
		id, err = c.gc.CreateClient(ctx, tok, realm, rep)
		return err
	})
	return id, err
}

// GetClient reads a client by internal id, with its secret.
func (c *Client) GetClient(ctx context.Context, realm, id string) (*OIDCClient, error) {
	var rep *gocloak.Client
	if err := c.do(ctx, func(tok string) (err error) {
		rep, err = c.gc.GetClient(ctx, tok, realm, id)
		return err
	}); err != nil {
		return nil, err
	}
	o := fromClient(rep)
	if !o.PublicClient {
		var cred *gocloak.CredentialRepresentation
		if err := c.do(ctx, func(tok string) (err error) {
			cred, err = c.gc.GetClientSecret(ctx, tok, realm, id)
			return err
		}); err != nil {
			return nil, err
		}
		o.Secret = gocloak.PString(cred.Value)
	} else {
		o.Secret = ""
	}
	return o, nil
}

// FindClient looks a client up by its clientId.
func (c *Client) FindClient(ctx context.Context, realm, clientID string) (*OIDCClient, error) {
	var list []*gocloak.Client
	if err := c.do(ctx, func(tok string) (err error) {
		list, err = c.gc.GetClients(ctx, tok, realm, gocloak.GetClientsParams{ClientID: sp(clientID)})
		return err
	}); err != nil {
		return nil, err
	}
	for _, x := range list {
		if gocloak.PString(x.ClientID) == clientID {
			return c.GetClient(ctx, realm, gocloak.PString(x.ID))
		}
	}
	return nil, &Error{Status: 404, Message: fmt.Sprintf("client %q not found in realm %q", clientID, realm)}
}

// UpdateClient reads the client, changes only the fields tenantops manages
// and writes it back, so settings made elsewhere survive.
func (c *Client) UpdateClient(ctx context.Context, realm string, o OIDCClient) error {
	var rep *gocloak.Client
	if err := c.do(ctx, func(tok string) (err error) {
		rep, err = c.gc.GetClient(ctx, tok, realm, o.ID)
		return err
	}); err != nil {
		return err
	}
	o.apply(rep)
	return c.do(ctx, func(tok string) error { return c.gc.UpdateClient(ctx, tok, realm, *rep) })
}

// DeleteClient deletes a client; one already gone is not an error.
func (c *Client) DeleteClient(ctx context.Context, realm, id string) error {
	err := c.do(ctx, func(tok string) error { return c.gc.DeleteClient(ctx, tok, realm, id) })
	if IsNotFound(err) {
		return nil
	}
	return err
}

// IdentityProvider is a brokered OIDC or SAML identity provider. Config
// holds the provider-specific keys tenantops manages; secrets in it are
// written, never read back (Keycloak masks them).
type IdentityProvider struct {
	Alias                     string
	ProviderID                string // "oidc" or "saml"
	InternalID                string
	DisplayName               string
	Enabled                   bool
	TrustEmail                bool
	StoreToken                bool
	LinkOnly                  bool
	FirstBrokerLoginFlowAlias string
	Config                    map[string]string
}

func (p IdentityProvider) apply(rep *gocloak.IdentityProviderRepresentation) {
	rep.Alias = sp(p.Alias)
	rep.ProviderID = sp(p.ProviderID)
	rep.DisplayName = sp(p.DisplayName)
	rep.Enabled = bp(p.Enabled)
	rep.TrustEmail = bp(p.TrustEmail)
	rep.StoreToken = bp(p.StoreToken)
	rep.LinkOnly = bp(p.LinkOnly)
	rep.FirstBrokerLoginFlowAlias = sp(p.FirstBrokerLoginFlowAlias)
	cfg := map[string]string{}
	if rep.Config != nil {
		for k, v := range *rep.Config {
			cfg[k] = v
		}
	}
	for k, v := range p.Config {
		cfg[k] = v
	}
	rep.Config = &cfg
}

// CreateIdentityProvider creates an identity provider.
func (c *Client) CreateIdentityProvider(ctx context.Context, realm string, p IdentityProvider) error {
	var rep gocloak.IdentityProviderRepresentation
	p.apply(&rep)
	return c.do(ctx, func(tok string) error {
		_, err := c.gc.CreateIdentityProvider(ctx, tok, realm, rep)
		return err
	})
}

// GetIdentityProvider reads an identity provider. Masked secrets are
// dropped from Config, so callers cannot mistake the mask for a value.
func (c *Client) GetIdentityProvider(ctx context.Context, realm, alias string) (*IdentityProvider, error) {
	var rep *gocloak.IdentityProviderRepresentation
	if err := c.do(ctx, func(tok string) (err error) {
		rep, err = c.gc.GetIdentityProvider(ctx, tok, realm, alias)
		return err
	}); err != nil {
		return nil, err
	}
	p := &IdentityProvider{
		Alias:                     gocloak.PString(rep.Alias),
		ProviderID:                gocloak.PString(rep.ProviderID),
		InternalID:                gocloak.PString(rep.InternalID),
		DisplayName:               gocloak.PString(rep.DisplayName),
		Enabled:                   gocloak.PBool(rep.Enabled),
		TrustEmail:                gocloak.PBool(rep.TrustEmail),
		StoreToken:                gocloak.PBool(rep.StoreToken),
		LinkOnly:                  gocloak.PBool(rep.LinkOnly),
		FirstBrokerLoginFlowAlias: gocloak.PString(rep.FirstBrokerLoginFlowAlias),
		Config:                    map[string]string{},
	}
	if rep.Config != nil {
		for k, v := range *rep.Config {
			if v != Mask {
				p.Config[k] = v
			}
		}
	}
	return p, nil
}

// UpdateIdentityProvider reads the provider, merges the managed fields and
// config keys over it and writes it back. Keys in remove are deleted. A
// secret the caller leaves out stays masked in the read copy, which Keycloak
// treats as "unchanged"; the caller's own secret is always written in full.
func (c *Client) UpdateIdentityProvider(ctx context.Context, realm string, p IdentityProvider, remove []string) error {
	var rep *gocloak.IdentityProviderRepresentation
	if err := c.do(ctx, func(tok string) (err error) {
		rep, err = c.gc.GetIdentityProvider(ctx, tok, realm, p.Alias)
		return err
	}); err != nil {
		return err
	}
	p.apply(rep)
	for _, k := range remove {
		delete(*rep.Config, k)
	}
	return c.do(ctx, func(tok string) error { return c.gc.UpdateIdentityProvider(ctx, tok, realm, p.Alias, *rep) })
}

// DeleteIdentityProvider deletes an identity provider; one already gone is
// not an error.
func (c *Client) DeleteIdentityProvider(ctx context.Context, realm, alias string) error {
	err := c.do(ctx, func(tok string) error { return c.gc.DeleteIdentityProvider(ctx, tok, realm, alias) })
	if IsNotFound(err) {
		return nil
	}
	return err
}

// UserStorageProvider is the component type of user federation.
const UserStorageProvider = "org.keycloak.storage.UserStorageProvider"

// LDAPFederation is an LDAP/AD user federation provider of a realm.
type LDAPFederation struct {
	ID                string
	Name              string
	Enabled           bool
	Vendor            string
	ConnectionURL     string
	StartTLS          bool
	BindDN            string
	BindCredential    string // written, never read back; "" on update keeps the stored one
	UsersDN           string
	EditMode          string
	UsernameAttribute string
	RDNAttribute      string
	UUIDAttribute     string
	UserObjectClasses string
	SearchScope       string // "1" one level, "2" subtree
	Pagination        bool
	FullSyncPeriod    int // seconds, -1 disables
	ChangedSyncPeriod int // seconds, -1 disables
}

func (l LDAPFederation) config() map[string][]string {
	one := func(s string) []string { return []string{s} }
	cfg := map[string][]string{
		"enabled":                  one(strconv.FormatBool(l.Enabled)),
		"vendor":                   one(l.Vendor),
		"connectionUrl":            one(l.ConnectionURL),
		"startTls":                 one(strconv.FormatBool(l.StartTLS)),
		"bindDn":                   one(l.BindDN),
		"authType":                 one("simple"),
		"usersDn":                  one(l.UsersDN),
		"editMode":                 one(l.EditMode),
		"usernameLDAPAttribute":    one(l.UsernameAttribute),
		"rdnLDAPAttribute":         one(l.RDNAttribute),
		"uuidLDAPAttribute":        one(l.UUIDAttribute),
		"userObjectClasses":        one(l.UserObjectClasses),
		"searchScope":              one(l.SearchScope),
		"pagination":               one(strconv.FormatBool(l.Pagination)),
		"fullSyncPeriod":           one(strconv.Itoa(l.FullSyncPeriod)),
		"changedSyncPeriod":        one(strconv.Itoa(l.ChangedSyncPeriod)),
		"periodicFullSync":         one(strconv.FormatBool(l.FullSyncPeriod > 0)),
		"periodicChangedUsersSync": one(strconv.FormatBool(l.ChangedSyncPeriod > 0)),
	}
	if l.BindCredential != "" {
		cfg["bindCredential"] = one(l.BindCredential)
	}
	return cfg
}

func fromComponent(comp *gocloak.Component) *LDAPFederation {
	cfg := map[string][]string{}
	if comp.ComponentConfig != nil {
		cfg = *comp.ComponentConfig
	}
	get := func(k string) string {
		if v := cfg[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	num := func(k string) int {
		n, err := strconv.Atoi(get(k))
		if err != nil {
			return -1
		}
		return n
	}
	l := &LDAPFederation{
		ID:                gocloak.PString(comp.ID),
		Name:              gocloak.PString(comp.Name),
		Enabled:           get("enabled") != "false",
		Vendor:            get("vendor"),
		ConnectionURL:     get("connectionUrl"),
		StartTLS:          get("startTls") == "true",
		BindDN:            get("bindDn"),
		UsersDN:           get("usersDn"),
		EditMode:          get("editMode"),
		UsernameAttribute: get("usernameLDAPAttribute"),
		RDNAttribute:      get("rdnLDAPAttribute"),
		UUIDAttribute:     get("uuidLDAPAttribute"),
		UserObjectClasses: get("userObjectClasses"),
		SearchScope:       get("searchScope"),
		Pagination:        get("pagination") == "true",
		FullSyncPeriod:    num("fullSyncPeriod"),
		ChangedSyncPeriod: num("changedSyncPeriod"),
	}
	if get("periodicFullSync") == "false" {
		l.FullSyncPeriod = -1
	}
	if get("periodicChangedUsersSync") == "false" {
		l.ChangedSyncPeriod = -1
	}
	if v := get("bindCredential"); v != Mask {
		l.BindCredential = v
	}
	return l
}

// CreateLDAPFederation creates an LDAP user federation provider in the
// realm and returns its component id.
func (c *Client) CreateLDAPFederation(ctx context.Context, realm string, l LDAPFederation) (string, error) {
	r, err := c.GetRealm(ctx, realm)
	if err != nil {
		return "", err
	}
	cfg := l.config()
	comp := gocloak.Component{Name: sp(l.Name), ProviderID: sp("ldap"), ProviderType: sp(UserStorageProvider),
		ParentID: sp(r.ID), ComponentConfig: &cfg}
	var id string
	err = c.do(ctx, func(tok string) (err error) {
		id, err = c.gc.CreateComponent(ctx, tok, realm, comp)
		return err
	})
	return id, err
}

// GetLDAPFederation reads a federation provider by component id.
func (c *Client) GetLDAPFederation(ctx context.Context, realm, id string) (*LDAPFederation, error) {
	var comp *gocloak.Component
	if err := c.do(ctx, func(tok string) (err error) {
		comp, err = c.gc.GetComponent(ctx, tok, realm, id)
		return err
	}); err != nil {
		return nil, err
	}
	if gocloak.PString(comp.ProviderID) != "ldap" {
		return nil, &Error{Status: 404, Message: fmt.Sprintf("component %s is not an LDAP federation provider", id)}
	}
	return fromComponent(comp), nil
}

// FindLDAPFederation looks a federation provider up by name. Keycloak
// ignores gocloak's provider type filter, so it is applied here.
func (c *Client) FindLDAPFederation(ctx context.Context, realm, name string) (*LDAPFederation, error) {
	var list []*gocloak.Component
	if err := c.do(ctx, func(tok string) (err error) {
		list, err = c.gc.GetComponentsWithParams(ctx, tok, realm, gocloak.GetComponentsParams{Name: sp(name)})
		return err
	}); err != nil {
		return nil, err
	}
	var found []*gocloak.Component
	for _, x := range list {
		if gocloak.PString(x.ProviderType) == UserStorageProvider && gocloak.PString(x.ProviderID) == "ldap" && gocloak.PString(x.Name) == name {
			found = append(found, x)
		}
	}
	switch len(found) {
	case 0:
		return nil, &Error{Status: 404, Message: fmt.Sprintf("LDAP federation %q not found in realm %q", name, realm)}
	case 1:
		return fromComponent(found[0]), nil
	}
	ids := make([]string, 0, len(found))
	for _, x := range found {
		ids = append(ids, gocloak.PString(x.ID))
	}
	sort.Strings(ids)
	return nil, &Error{Status: 409, Message: fmt.Sprintf("realm %q has %d LDAP federations named %q (ids %v)", realm, len(found), name, ids)}
}

// UpdateLDAPFederation reads the component, merges the managed config keys
// over it (keys set elsewhere survive) and writes it back. The bind
// credential is the caller's own value when it gives one; else the read
// copy's mask goes back, which Keycloak takes as "unchanged".
func (c *Client) UpdateLDAPFederation(ctx context.Context, realm string, l LDAPFederation) error {
	var comp *gocloak.Component
	if err := c.do(ctx, func(tok string) (err error) {
		comp, err = c.gc.GetComponent(ctx, tok, realm, l.ID)
		return err
	}); err != nil {
		return err
	}
	cfg := map[string][]string{}
	if comp.ComponentConfig != nil {
		cfg = *comp.ComponentConfig
	}
	for k, v := range l.config() {
		cfg[k] = v
	}
	comp.ComponentConfig = &cfg
	comp.Name = sp(l.Name)
	return c.do(ctx, func(tok string) error { return c.gc.UpdateComponent(ctx, tok, realm, *comp) })
}

// DeleteLDAPFederation deletes a federation provider; one already gone is
// not an error.
func (c *Client) DeleteLDAPFederation(ctx context.Context, realm, id string) error {
	err := c.do(ctx, func(tok string) error { return c.gc.DeleteComponent(ctx, tok, realm, id) })
	if IsNotFound(err) {
		return nil
	}
	return err
}
