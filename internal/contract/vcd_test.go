package contract

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/sim/record"
)

const (
	orgUUID = "5b0c4a7e-9d7f-4c1a-8f3e-2a6b1c9d0e11"
	vcdURL  = "https://vcd.example.com"
)

// vcdRef returns the reference dir, failing when the schemas or xmllint
// are missing (make tools installs libxml2-utils).
func vcdRef(t *testing.T) string {
	t.Helper()
	ref := ReferenceDir()
	if miss := missingFiles(ref, vcdChecker{}.against()); miss != "" {
		t.Fatalf("reference missing: %s", miss)
	}
	if _, err := exec.LookPath("xmllint"); err != nil {
		t.Fatal(errNoXmllint)
	}
	return ref
}

type exOpt func(*record.Exchange)

func reqXML(ctype, body string) exOpt {
	return func(e *record.Exchange) {
		e.ReqHeader.Set("Content-Type", ctype)
		e.ReqBody = []byte(body)
	}
}

func reqForm(body string) exOpt {
	return func(e *record.Exchange) {
		e.ReqHeader.Set("Content-Type", "application/x-www-form-urlencoded")
		e.ReqBody = []byte(body)
	}
}

func respHeader(k, v string) exOpt {
	return func(e *record.Exchange) { e.RespHeader.Set(k, v) }
}

// vcdEx builds one exchange; a response body gets ctype as Content-Type.
func vcdEx(method, path string, status int, ctype, body string, opts ...exOpt) record.Exchange {
	e := record.Exchange{System: "vcd", Method: method, Path: path, Status: status,
		ReqHeader: http.Header{}, RespHeader: http.Header{}, RespBody: []byte(body)}
	if ctype != "" {
		e.RespHeader.Set("Content-Type", ctype)
	}
	if p, q, ok := strings.Cut(path, "?"); ok {
		e.Path, e.RawQuery = p, q
	}
	for _, o := range opts {
		o(&e)
	}
	return e
}

const (
	ctAdminOrg = "application/vnd.vmware.admin.organization+xml;version=37.0"
	ctError    = "application/vnd.vmware.vcloud.error+xml;version=37.0"
	xmlDecl    = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
)

// adminOrgBody is an AdminOrg; schemaOrder false writes it the way the
// simulator used to (govcd's types.AdminOrg field order: Link after
// FullName and IsEnabled, Settings after Catalogs).
func adminOrgBody(schemaOrder bool) string {
	link := `<Link href="` + vcdURL + `/api/org/` + orgUUID + `" type="application/vnd.vmware.vcloud.org+xml" rel="alternate"/>`
	names := `<FullName>Acme</FullName><IsEnabled>true</IsEnabled>`
	settings := `<Settings><OrgGeneralSettings><DeployedVMQuota>5</DeployedVMQuota></OrgGeneralSettings></Settings>`
	inner := link + names + settings + `<Catalogs/><Vdcs/>`
	if !schemaOrder {
		inner = names + link + `<Catalogs/>` + settings + `<Vdcs/>`
	}
	return xmlDecl + `<AdminOrg xmlns="http://www.vmware.com/vcloud/v1.5" href="` + vcdURL + `/api/admin/org/` + orgUUID +
		`" type="application/vnd.vmware.admin.organization+xml" id="urn:vcloud:org:` + orgUUID + `" name="acme">` + inner + `</AdminOrg>`
}

func errorBody(status int, minor, msg string) string {
	return xmlDecl + fmt.Sprintf(`<Error xmlns="http://www.vmware.com/vcloud/v1.5" majorErrorCode="%d" minorErrorCode="%s" message="%s"/>`, status, minor, msg)
}

// checkVCD runs the checker over exchanges and returns its result.
func checkVCD(t *testing.T, ex ...record.Exchange) Result {
	t.Helper()
	r := vcdChecker{}.check(vcdRef(t), ex)
	if r.NotChecked != "" {
		t.Fatalf("not checked: %s", r.NotChecked)
	}
	return r
}

func violationsOf(r Result) string {
	var out []string
	for _, v := range r.Violations {
		out = append(out, v.String())
	}
	return strings.Join(out, "\n")
}

// Each case is a shape the simulator or the client once had (bad) or has
// now (good); a bad one must be reported with its reason.
func TestVCDCheckerBodies(t *testing.T) {
	adminOrgPath := "/api/admin/org/" + orgUUID
	var cases []checkCase
	for _, tc := range []struct {
		name string
		ex   record.Exchange
		want string // "" for no violation, else a part of the message
	}{
		{"admin org in schema order", vcdEx("GET", adminOrgPath, 200, ctAdminOrg, adminOrgBody(true)), ""},
		{"admin org in govcd's field order", vcdEx("GET", adminOrgPath, 200, ctAdminOrg, adminOrgBody(false)),
			"Element '{http://www.vmware.com/vcloud/v1.5}Link': This element is not expected"},
		{"admin org without Settings", vcdEx("GET", adminOrgPath, 200, ctAdminOrg,
			strings.Replace(adminOrgBody(true), `<Settings><OrgGeneralSettings><DeployedVMQuota>5</DeployedVMQuota></OrgGeneralSettings></Settings>`, "", 1)),
			"Settings"},
		{"admin org served as a task", vcdEx("GET", adminOrgPath, 200, "application/vnd.vmware.vcloud.task+xml", adminOrgBody(true)),
			"want application/vnd.vmware.admin.organization+xml"},
		{"org list of references", vcdEx("GET", "/api/org", 200, "application/vnd.vmware.vcloud.orgList+xml",
			xmlDecl+`<OrgList xmlns="http://www.vmware.com/vcloud/v1.5"><Org href="`+vcdURL+`/api/org/`+orgUUID+`" name="acme" type="application/vnd.vmware.vcloud.org+xml"/></OrgList>`), ""},
		{"org list of orgs", vcdEx("GET", "/api/org", 200, "application/vnd.vmware.vcloud.orgList+xml",
			xmlDecl+`<OrgList xmlns="http://www.vmware.com/vcloud/v1.5"><Org href="`+vcdURL+`/api/org/`+orgUUID+`" name="acme"><FullName>Acme</FullName></Org></OrgList>`),
			"FullName"},
		{"versions with ProviderLoginUrl", vcdEx("GET", "/api/versions", 200, "application/vnd.vmware.vcloud.versions+xml",
			xmlDecl+`<SupportedVersions xmlns="http://www.vmware.com/vcloud/versions"><VersionInfo><Version>37.0</Version><LoginUrl>`+vcdURL+`/api/sessions</LoginUrl><ProviderLoginUrl></ProviderLoginUrl></VersionInfo></SupportedVersions>`),
			"ProviderLoginUrl"},
		{"storage profile with IopsSettings outside the namespace", vcdEx("GET", "/api/admin/vdcStorageProfile/"+orgUUID, 200, "application/vnd.vmware.admin.vdcStorageProfile+xml",
			xmlDecl+`<AdminVdcStorageProfile xmlns="http://www.vmware.com/vcloud/v1.5" name="gold"><Enabled>true</Enabled><Units>MB</Units><Limit>0</Limit><Default>true</Default>`+
				`<IopsSettings xmlns=""><Enabled>false</Enabled><DiskIopsMax>0</DiskIopsMax><DiskIopsDefault>0</DiskIopsDefault><DiskIopsPerGbMax>0</DiskIopsPerGbMax></IopsSettings>`+
				`<ProviderVdcStorageProfile href="`+vcdURL+`/api/admin/pvdcStorageProfile/`+orgUUID+`"/></AdminVdcStorageProfile>`),
			"Element 'IopsSettings': This element is not expected"},
		{"provider VDC with IsEnabled first", vcdEx("GET", "/api/admin/providervdc/"+orgUUID, 200, "application/vnd.vmware.admin.providervdc+xml",
			xmlDecl+`<ProviderVdc xmlns="http://www.vmware.com/vcloud/v1.5" name="pvdc-1" href="`+vcdURL+`/api/admin/providervdc/`+orgUUID+`"><IsEnabled>true</IsEnabled><StorageProfiles/></ProviderVdc>`),
			"StorageProfiles"},
		{"task", vcdEx("GET", "/api/task/"+orgUUID, 200, "application/vnd.vmware.vcloud.task+xml",
			xmlDecl+`<Task xmlns="http://www.vmware.com/vcloud/v1.5" href="`+vcdURL+`/api/task/`+orgUUID+`" name="task" status="error" operationName="orgUpdateOrg">`+
				`<Owner href="`+vcdURL+`/api/admin/org/`+orgUUID+`"/><Error majorErrorCode="500" minorErrorCode="INTERNAL_SERVER_ERROR" message="boom"/><Progress>0</Progress><Details>boom</Details></Task>`), ""},
		{"task without status", vcdEx("GET", "/api/task/"+orgUUID, 200, "application/vnd.vmware.vcloud.task+xml",
			xmlDecl+`<Task xmlns="http://www.vmware.com/vcloud/v1.5" href="`+vcdURL+`/api/task/`+orgUUID+`" name="task"/>`),
			"The attribute 'status' is required but missing"},
		{"query records", vcdEx("GET", "/api/query?&type=providerVdc&filter=name==pvdc-1", 200, "application/vnd.vmware.vcloud.query.records+xml",
			xmlDecl+`<QueryResultRecords xmlns="http://www.vmware.com/vcloud/v1.5" total="1" pageSize="25" page="1" name="providerVdc">`+
				`<VMWProviderVdcRecord href="`+vcdURL+`/api/admin/providervdc/`+orgUUID+`" name="pvdc-1"/></QueryResultRecords>`), ""},
		{"query record of a wrong type", vcdEx("GET", "/api/query?type=providerVdc", 200, "application/vnd.vmware.vcloud.query.records+xml",
			xmlDecl+`<QueryResultRecords xmlns="http://www.vmware.com/vcloud/v1.5" total="1" pageSize="x" page="1"/>`),
			"pageSize"},
		{"missing org answered 403", vcdEx("GET", adminOrgPath, 403, ctError,
			errorBody(403, "ACCESS_TO_RESOURCE_IS_FORBIDDEN", "The VMware Cloud Director entity com.vmware.vcloud.entity.org:"+orgUUID+" does not exist.")), ""},
		{"missing org answered 404", vcdEx("GET", adminOrgPath, 404, ctError, errorBody(404, "RESOURCE_NOT_FOUND", "Organization not found.")),
			"Cloud Director answers 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN"},
		{"missing VDC answered 404", vcdEx("POST", "/api/admin/vdc/"+orgUUID+"/action/disable", 404, ctError, errorBody(404, "RESOURCE_NOT_FOUND", "VDC not found.")),
			"Cloud Director answers 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN"},
		{"error without minorErrorCode", vcdEx("GET", adminOrgPath, 403, ctError,
			xmlDecl+`<Error xmlns="http://www.vmware.com/vcloud/v1.5" majorErrorCode="403" message="x"/>`),
			"The attribute 'minorErrorCode' is required but missing"},
		{"error outside the vcloud namespace", vcdEx("GET", adminOrgPath, 400, ctError, xmlDecl+`<Error majorErrorCode="400" minorErrorCode="BAD_REQUEST" message="x"/>`),
			"want {http://www.vmware.com/vcloud/v1.5}Error"},
		{"error whose majorErrorCode is not the status", vcdEx("GET", adminOrgPath, 400, ctError, errorBody(500, "BAD_REQUEST", "x")),
			`majorErrorCode "500" differs from the HTTP status 400`},
		{"error as text", vcdEx("GET", adminOrgPath, 500, "text/plain", "boom"), "error body is not XML"},
		{"update answered 200 instead of a task", vcdEx("PUT", adminOrgPath, 200, ctAdminOrg, adminOrgBody(true),
			reqXML(ctAdminOrg, adminOrgBody(true))), "the operation answers [202]"},
		{"request in govcd's field order", vcdEx("POST", "/api/admin/orgs", 201, ctAdminOrg, adminOrgBody(true),
			reqXML(ctAdminOrg, adminOrgBody(false))), "request: XSD"},
		{"request of the wrong media type", vcdEx("POST", "/api/admin/orgs", 201, ctAdminOrg, adminOrgBody(true),
			reqXML("application/xml", adminOrgBody(true))), "not a Cloud Director XML media type"},
		{"create without a body", vcdEx("POST", "/api/admin/orgs", 201, ctAdminOrg, adminOrgBody(true)), "no body, the operation takes AdminOrg"},
	} {
		cases = append(cases, checkCase{tc.name, tc.ex, tc.want, ""})
	}
	runCases(t, cases)
}

type checkCase struct {
	name        string
	ex          record.Exchange
	want        string // "" for no violation, else a part of the message
	undescribed string // the operation key, when no description covers it
}

// runCases checks every case's exchange in one run (one xmllint run) and
// reports what each case got wrong.
func runCases(t *testing.T, cases []checkCase) {
	t.Helper()
	ex := make([]record.Exchange, len(cases))
	for i, tc := range cases {
		ex[i] = tc.ex
	}
	checks, err := vcdChecker{}.checkAll(vcdRef(t), ex)
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range cases {
		var msgs []string
		for _, v := range checks[i].violations {
			msgs = append(msgs, v.String())
		}
		got := strings.Join(msgs, "\n")
		if tc.want == "" && got != "" {
			t.Errorf("%s: want no violation, got:\n%s", tc.name, got)
		}
		if tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("%s: want a violation containing %q, got:\n%s", tc.name, tc.want, got)
		}
		switch {
		case tc.undescribed != "" && (!checks[i].undescribed || checks[i].key != tc.undescribed):
			t.Errorf("%s: want undescribed %q, got %q (undescribed %v)", tc.name, tc.undescribed, checks[i].key, checks[i].undescribed)
		case tc.undescribed == "" && checks[i].undescribed:
			t.Errorf("%s: undescribed %q, want it checked", tc.name, checks[i].key)
		}
	}
}

func oauthSettings(extra string) string {
	return xmlDecl + `<OrgOAuthSettings xmlns="http://www.vmware.com/vcloud/v1.5" href="` + vcdURL + `/api/admin/org/` + orgUUID + `/settings/oauth" type="application/vnd.vmware.admin.organizationoauthsettings+xml">` +
		`<OrgRedirectUri>` + vcdURL + `/login/oauth?service=tenant:acme</OrgRedirectUri><IssuerId>https://sso.example.com/realms/acme</IssuerId>` +
		`<OAuthKeyConfigurations><OAuthKeyConfiguration><KeyId>k1</KeyId><Algorithm>RSA</Algorithm><Key>PEM</Key></OAuthKeyConfiguration></OAuthKeyConfigurations>` +
		`<Enabled>true</Enabled><ClientId>vcd-portal</ClientId><UserAuthorizationEndpoint>https://sso.example.com/auth</UserAuthorizationEndpoint>` +
		`<Scope>openid</Scope><OIDCAttributeMapping><SubjectAttributeName>sub</SubjectAttributeName></OIDCAttributeMapping>` + extra + `</OrgOAuthSettings>`
}

// OpenID Connect settings carry elements newer than the reference schemas:
// those are cut out (vcd_newer.go) and the rest is still validated.
func TestVCDCheckerNewerElements(t *testing.T) {
	path := "/api/admin/org/" + orgUUID + "/settings/oauth"
	ct := "application/vnd.vmware.admin.organizationoauthsettings+xml"
	r := checkVCD(t, vcdEx("GET", path, 200, ct, oauthSettings("")))
	if len(r.Violations) > 0 || r.Checked != 1 {
		t.Fatalf("OIDC settings: checked %d, violations:\n%s", r.Checked, violationsOf(r))
	}
	// A misspelt element is not one of the newer ones: it is reported.
	r = checkVCD(t, vcdEx("GET", path, 200, ct, oauthSettings("<ClientID>x</ClientID>")))
	if !strings.Contains(violationsOf(r), "ClientID") {
		t.Fatalf("misspelt element not reported:\n%s", violationsOf(r))
	}
	// The described part is still held to the schema: Algorithm is required.
	r = checkVCD(t, vcdEx("GET", path, 200, ct, strings.Replace(oauthSettings(""), "<Algorithm>RSA</Algorithm>", "", 1)))
	if !strings.Contains(violationsOf(r), "Algorithm") {
		t.Fatalf("missing Algorithm not reported:\n%s", violationsOf(r))
	}
	// Newer elements are only allowed where they belong: the Flex elements
	// of CreateVdcParams are not AdminOrg elements.
	r = checkVCD(t, vcdEx("GET", "/api/admin/org/"+orgUUID, 200, ctAdminOrg,
		strings.Replace(adminOrgBody(true), "<Vdcs/>", "<Vdcs/><IsElastic>false</IsElastic>", 1)))
	if !strings.Contains(violationsOf(r), "IsElastic") {
		t.Fatalf("misplaced newer element not reported:\n%s", violationsOf(r))
	}
	stripped, names, err := stripNewer([]byte(oauthSettings("")))
	if err != nil || strings.Contains(string(stripped), "ClientId") || !strings.Contains(string(stripped), "<Enabled>true</Enabled>") ||
		strings.Join(names, ",") != "ClientId,OIDCAttributeMapping,OrgRedirectUri,Scope,UserAuthorizationEndpoint" {
		t.Fatalf("stripNewer: %v %v\n%s", err, names, stripped)
	}
}

func TestVCDCheckerCloudAPIAndToken(t *testing.T) {
	var cases []checkCase
	for _, tc := range []struct {
		name        string
		ex          record.Exchange
		want        string
		undescribed string
	}{
		{"cloudapi JSON error", vcdEx("POST", "/cloudapi/1.0.0/sessions/provider", 401, "application/json;version=37.0",
			`{"minorErrorCode":"UNAUTHORIZED","message":"[ 1 ] Invalid credentials.","stackTrace":"x"}`), "", ""},
		{"cloudapi XML error", vcdEx("POST", "/cloudapi/1.0.0/sessions/provider", 401, ctError, errorBody(401, "UNAUTHORIZED", "x")),
			`Content-Type "application/vnd.vmware.vcloud.error+xml", /cloudapi answers application/json`, ""},
		{"cloudapi error without message", vcdEx("POST", "/cloudapi/1.0.0/testConnection/", 400, "application/json",
			`{"minorErrorCode":"BAD_REQUEST"}`), "required property message missing", ""},
		{"cloudapi error with a numeric minorErrorCode", vcdEx("POST", "/cloudapi/1.0.0/testConnection/", 400, "application/json",
			`{"minorErrorCode":400,"message":"x"}`), "property minorErrorCode is not a string", ""},
		{"session", vcdEx("POST", "/cloudapi/1.0.0/sessions/provider", 200, "application/json", `{"id":"urn:vcloud:session:1"}`), "",
			"POST /cloudapi/1.0.0/sessions/provider"},
		{"test connection", vcdEx("POST", "/cloudapi/1.0.0/testConnection/", 200, "application/json", `{"targetProbe":{"canConnect":true}}`), "",
			"POST /cloudapi/1.0.0/testConnection"},
		{"token", vcdEx("POST", "/oauth/provider/token", 200, "application/json", `{"access_token":"a","token_type":"Bearer","expires_in":60}`,
			reqForm("grant_type=refresh_token&refresh_token=r"), respHeader("Cache-Control", "no-store")), "", ""},
		{"token without token_type", vcdEx("POST", "/oauth/provider/token", 200, "application/json", `{"access_token":"a"}`,
			reqForm("grant_type=refresh_token&refresh_token=r"), respHeader("Cache-Control", "no-store")), "without token_type", ""},
		{"cacheable token", vcdEx("POST", "/oauth/provider/token", 200, "application/json", `{"access_token":"a","token_type":"Bearer"}`,
			reqForm("grant_type=refresh_token&refresh_token=r")), "Cache-Control: no-store", ""},
		{"token request as JSON", vcdEx("POST", "/oauth/provider/token", 200, "application/json", `{"access_token":"a","token_type":"Bearer"}`,
			reqXML("application/json", `{"grant_type":"refresh_token"}`), respHeader("Cache-Control", "no-store")), "x-www-form-urlencoded", ""},
		{"refused token", vcdEx("POST", "/oauth/provider/token", 400, "application/json", `{"minorErrorCode":"BAD_REQUEST","message":"invalid_grant"}`,
			reqForm("grant_type=refresh_token&refresh_token=r")), "", "POST /oauth/provider/token"},
		{"OIDC discovery, not in the schemas", vcdEx("POST", "/api/admin/org/"+orgUUID+"/settings/oauth/openIdProviderConfig", 200,
			"application/vnd.vmware.admin.openidproviderconfiguration+xml",
			xmlDecl+`<OpenIdProviderConfiguration xmlns="http://www.vmware.com/vcloud/v1.5"><ProviderConfigResponse>{}</ProviderConfigResponse></OpenIdProviderConfiguration>`,
			reqXML("application/vnd.vmware.vcloud.admin.openIdProviderInfo+xml", xmlDecl+`<OpenIdProviderInfo xmlns="http://www.vmware.com/vcloud/v1.5"><OpenIdProviderConfigurationEndpoint>https://sso/.well-known/openid-configuration</OpenIdProviderConfigurationEndpoint></OpenIdProviderInfo>`)),
			"", "POST /api/admin/org/{id}/settings/oauth/openIdProviderConfig"},
	} {
		cases = append(cases, checkCase{tc.name, tc.ex, tc.want, tc.undescribed})
	}
	runCases(t, cases)
}

// Every endpoint the product calls is keyed the way check reports it.
func TestVCDCheckerEndpointKeys(t *testing.T) {
	for _, ep := range (vcdChecker{}).endpoints() {
		method, path, _ := strings.Cut(ep, " ")
		e := record.Exchange{Method: method, Path: strings.ReplaceAll(path, "{id}", orgUUID)}
		if p, q, ok := strings.Cut(e.Path, "?"); ok {
			e.Path, e.RawQuery = p, "&"+q+"&filter=name==x"
		}
		if op, ok := vcdOpOf(e); !ok || op.key() != ep {
			t.Errorf("%s: keyed %q (known %v)", ep, op.key(), ok)
		}
	}
	if op, ok := vcdOpOf(record.Exchange{Method: "GET", Path: "/api/admin/org/" + orgUUID + "/catalogs"}); ok || op.key() != "GET /api/admin/org/{id}/catalogs" {
		t.Errorf("unknown operation keyed %q (known %v)", op.key(), ok)
	}
}

// Identical bodies are validated once and distinct ones in one xmllint
// run, so checking a test package's traffic takes seconds.
func TestVCDCheckerBatchesXmllint(t *testing.T) {
	ref := vcdRef(t)
	real, _ := exec.LookPath("xmllint")
	dir := t.TempDir()
	log := filepath.Join(dir, "runs")
	wrapper := filepath.Join(dir, "xmllint")
	script := fmt.Sprintf("#!/bin/sh\necho \"$#\" >> %q\nexec %q \"$@\"\n", log, real)
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	defer func(old string) { xmllintTool = old }(xmllintTool)
	xmllintTool = wrapper

	var ex []record.Exchange
	for i := 0; i < 300; i++ {
		body := adminOrgBody(true)
		if i%3 == 0 { // 100 distinct bodies, each sent twice more
			body = strings.Replace(body, `name="acme"`, fmt.Sprintf(`name="acme-%d"`, i), 1)
		}
		ex = append(ex, vcdEx("GET", "/api/admin/org/"+orgUUID, 200, ctAdminOrg, body))
	}
	ex = append(ex, vcdEx("GET", "/api/admin/org/"+orgUUID, 200, ctAdminOrg, adminOrgBody(false)))
	r := vcdChecker{}.check(ref, ex)
	if r.Checked != len(ex) || len(r.Violations) != 1 || r.Violations[0].Status != 200 {
		t.Fatalf("checked %d of %d, violations:\n%s", r.Checked, len(ex), violationsOf(r))
	}
	runs, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(string(runs))
	// One run; its arguments are 4 options and one file per distinct body
	// (100 renamed, the shared one, the misordered one).
	if len(lines) != 1 || lines[0] != "106" {
		t.Fatalf("xmllint runs (argument counts): %v", lines)
	}
}
