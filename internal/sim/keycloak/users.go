package keycloak

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Mail is an e-mail the simulator "sent": an execute-actions invitation
// (PUT /admin/realms/{realm}/users/{id}/execute-actions-email). Tests read
// them with Server.Mails; nothing leaves the process.
type Mail struct {
	Realm, UserID, Username, To, From string
	// Actions are the required actions the link asks the user to do.
	Actions []string
	// Lifespan is how long the link is valid.
	Lifespan           time.Duration
	ClientID, Redirect string
	SentAt             time.Time
}

// Mails returns the invitations sent so far, oldest first.
func (s *Server) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

// requiredActions Keycloak 23 registers by default (RequiredActionProvider
// ids); a user's requiredActions and an execute-actions e-mail may name
// only enabled ones.
var requiredActions = []string{"CONFIGURE_TOTP", "TERMS_AND_CONDITIONS", "UPDATE_PASSWORD", "UPDATE_PROFILE",
	"VERIFY_EMAIL", "delete_account", "webauthn-register", "webauthn-register-passwordless", "VERIFY_PROFILE",
	"delete_credential", "update_user_locale"}

// users serves /admin/realms/{realm}/users: UsersResource (list with
// username/email/exact/search, create) and UserResource (get, update,
// delete, execute-actions-email), as Keycloak 23 answers them.
func (s *Server) users(w http.ResponseWriter, req *http.Request, r *realm, rest []string) {
	if len(rest) == 0 {
		switch req.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, r.findUsers(req.URL.Query()))
		case http.MethodPost:
			var rep map[string]any
			if !decode(w, req, &rep) {
				return
			}
			name := strings.ToLower(str(rep["username"]))
			if name == "" {
				errorMessage(w, http.StatusBadRequest, "User name is missing")
				return
			}
			if u, _ := find(r.users, "username", name); u != nil {
				errorMessage(w, http.StatusConflict, "User exists with same username")
				return
			}
			if e := str(rep["email"]); e != "" && r.emailTaken(e, "") {
				errorMessage(w, http.StatusConflict, "User exists with same email")
				return
			}
			if msg := validateUser(rep); msg != "" {
				errorMessage(w, http.StatusBadRequest, msg)
				return
			}
			u := map[string]any{"id": newID(), "username": name, "enabled": false, "emailVerified": false,
				"createdTimestamp": time.Now().UnixMilli(), "totp": false, "requiredActions": []any{},
				"notBefore": 0, "disableableCredentialTypes": []any{}, "access": map[string]any{"manage": true}}
			for k, v := range rep {
				if v != nil && k != "id" && k != "username" && k != "credentials" {
					u[k] = v
				}
			}
			r.users = append(r.users, u)
			created(w, req, str(u["id"]))
		default:
			methodNotAllowed(w)
		}
		return
	}
	u, idx := find(r.users, "id", rest[0])
	if u == nil {
		notFound(w, "User not found")
		return
	}
	if len(rest) == 2 && rest[1] == "execute-actions-email" {
		if req.Method != http.MethodPut {
			methodNotAllowed(w)
			return
		}
		s.executeActionsEmail(w, req, r, u)
		return
	}
	if len(rest) != 1 {
		notFound(w, "HTTP 404 Not Found")
		return
	}
	switch req.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, u)
	case http.MethodPut:
		var rep map[string]any
		if !decode(w, req, &rep) {
			return
		}
		if n := strings.ToLower(str(rep["username"])); n != "" && n != str(u["username"]) {
			// editUsernameAllowed is off by default.
			errorMessage(w, http.StatusBadRequest, "error-user-attribute-read-only")
			return
		}
		if e := str(rep["email"]); e != "" && r.emailTaken(e, str(u["id"])) {
			errorMessage(w, http.StatusConflict, "User exists with same email")
			return
		}
		if msg := validateUser(rep); msg != "" {
			errorMessage(w, http.StatusBadRequest, msg)
			return
		}
		for k, v := range rep {
			if v != nil && k != "id" && k != "username" && k != "credentials" {
				u[k] = v
			}
		}
		noContent(w)
	case http.MethodDelete:
		r.users = append(r.users[:idx], r.users[idx+1:]...)
		noContent(w)
	default:
		methodNotAllowed(w)
	}
}

// findUsers filters as UsersResource.getUsers: username, email, firstName
// and lastName match as substrings unless exact=true; search matches any.
func (r *realm) findUsers(q url.Values) []map[string]any {
	exact := q.Get("exact") == "true"
	match := func(have, want string) bool {
		if want == "" {
			return true
		}
		have, want = strings.ToLower(have), strings.ToLower(want)
		if exact {
			return have == want
		}
		return strings.Contains(have, want)
	}
	out := []map[string]any{}
	for _, u := range r.users {
		if !match(str(u["username"]), q.Get("username")) || !match(str(u["email"]), q.Get("email")) ||
			!match(str(u["firstName"]), q.Get("firstName")) || !match(str(u["lastName"]), q.Get("lastName")) {
			continue
		}
		if s := strings.ToLower(strings.Trim(q.Get("search"), "*")); s != "" &&
			!slices.ContainsFunc([]string{"username", "email", "firstName", "lastName"}, func(k string) bool {
				return strings.Contains(strings.ToLower(str(u[k])), s)
			}) {
			continue
		}
		out = append(out, u)
	}
	return out
}

func (r *realm) emailTaken(email, except string) bool {
	for _, u := range r.users {
		if strings.EqualFold(str(u["email"]), email) && str(u["id"]) != except {
			return true
		}
	}
	return false
}

// validateUser refuses what Keycloak's user profile and required-action
// checks refuse.
func validateUser(rep map[string]any) string {
	if e := str(rep["email"]); e != "" && (!strings.Contains(e, "@") || strings.ContainsAny(e, " \t")) {
		return "invalidEmailMessage"
	}
	if l, ok := rep["requiredActions"].([]any); ok {
		for _, a := range l {
			if !slices.Contains(requiredActions, str(a)) {
				return "Provided invalid required actions"
			}
		}
	}
	return ""
}

// executeActionsEmail sends the invitation as UserResource.executeActionsEmail
// does: the user must have an e-mail and be enabled, the actions must be
// known, a redirect_uri needs a client_id, and the realm must have an SMTP
// server (else the e-mail fails: 500 "Failed to send execute actions email").
func (s *Server) executeActionsEmail(w http.ResponseWriter, req *http.Request, r *realm, u map[string]any) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil {
		badRequest(w, "HTTP 400 Bad Request")
		return
	}
	var actions []string
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, &actions); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unknown_error", "error_description": "For more on this error consult the server log."})
			return
		}
	}
	q := req.URL.Query()
	email := str(u["email"])
	switch {
	case email == "":
		errorMessage(w, http.StatusBadRequest, "User email missing")
		return
	case u["enabled"] != true:
		errorMessage(w, http.StatusBadRequest, "User is disabled")
		return
	case q.Get("redirect_uri") != "" && q.Get("client_id") == "":
		errorMessage(w, http.StatusBadRequest, "Client id missing")
		return
	}
	for _, a := range actions {
		if !slices.Contains(requiredActions, a) {
			errorMessage(w, http.StatusBadRequest, "Provided invalid required actions")
			return
		}
	}
	smtp, _ := r.rep["smtpServer"].(map[string]any)
	if str(smtp["host"]) == "" || str(smtp["from"]) == "" {
		errorMessage(w, http.StatusInternalServerError, "Failed to send execute actions email")
		return
	}
	lifespan := 12 * time.Hour // actionTokenGeneratedByAdminLifespan
	if v := q.Get("lifespan"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "HTTP 404 Not Found"})
			return
		}
		lifespan = time.Duration(n) * time.Second
	}
	s.mails = append(s.mails, Mail{Realm: str(r.rep["realm"]), UserID: str(u["id"]), Username: str(u["username"]),
		To: email, From: str(smtp["from"]), Actions: actions, Lifespan: lifespan, ClientID: q.Get("client_id"),
		Redirect: q.Get("redirect_uri"), SentAt: time.Now()})
	noContent(w)
}

// User returns a copy of a realm user by username, or nil.
func (s *Server) User(realmName, username string) map[string]any {
	return s.object(realmName, func(r *realm) []map[string]any { return r.users }, "username", username)
}

// DeleteUser removes a realm user out of band.
func (s *Server) DeleteUser(realmName, username string) bool {
	return s.remove(realmName, func(r *realm) *[]map[string]any { return &r.users }, "username", username)
}
