package keycloak

import (
	"html/template"
	"net/http"
)

// loginPage is a plain rendering of Keycloak's login theme: the form posts
// username and password to login-actions/authenticate with the login's
// tab id, and errors appear above it (ids as in the keycloak theme:
// kc-form-login, username, password, kc-login, input-error).
var loginPage = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in to {{.Realm}}</title></head>
<body><main>
<h1 id="kc-page-title">Sign in to your account</h1>
{{if .Error}}<p id="input-error" role="alert">{{.Error}}</p>{{end}}
{{if .Action}}<form id="kc-form-login" action="{{.Action}}" method="post">
<p><label for="username">Username or email</label><br><input id="username" name="username" type="text" value="{{.Username}}" autocomplete="username" autofocus></p>
<p><label for="password">Password</label><br><input id="password" name="password" type="password" autocomplete="current-password"></p>
<p><button id="kc-login" name="login" type="submit">Sign In</button></p>
</form>{{end}}
</main></body></html>
`))

type loginView struct {
	Realm, Action, Username, Error string
}

func loginForm(w http.ResponseWriter, status int, realm, clientID, tab, username, msg string) {
	action := "/realms/" + realm + "/login-actions/authenticate?client_id=" + template.URLQueryEscaper(clientID) + "&tab_id=" + tab
	renderLogin(w, status, loginView{Realm: realm, Action: action, Username: username, Error: msg})
}

// loginError is Keycloak's error page (no form).
func loginError(w http.ResponseWriter, status int, msg string) {
	renderLogin(w, status, loginView{Error: msg})
}

func renderLogin(w http.ResponseWriter, status int, v loginView) {
	w.Header().Set("Content-Type", "text/html;charset=utf-8")
	w.Header().Set("Cache-Control", "no-store, must-revalidate, max-age=0")
	w.WriteHeader(status)
	_ = loginPage.Execute(w, v)
}
