package web

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"net/http/httptest"

	"github.com/euregio/tranche/internal/access"
)

// An admin changes a user's roles, deactivates and reactivates the user and
// resets the password from the users page; a non-admin is refused.
func TestUsersAdminForms(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.user("admin@enschede.example", access.Admin)
	e.user("fin@enschede.example", access.Finance)
	ts := httptest.NewServer(e.handler)
	defer ts.Close()
	users, err := e.access.ListUsers(context.Background(), access.System("test"))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, u := range users {
		ids[u.Email] = u.ID.String()
	}
	fin, adm := ids["fin@enschede.example"], ids["admin@enschede.example"]

	c := browserClient(t)
	login(t, ts, c, "admin@enschede.example", testPassword)
	post := func(c *http.Client, path string, v url.Values) (int, string) {
		t.Helper()
		resp, err := c.PostForm(ts.URL+path, v)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	flash := func(want string) {
		t.Helper()
		if _, page := body(t, c, ts.URL+"/admin/users"); !strings.Contains(page, want) {
			t.Fatalf("users page lacks %q", want)
		}
	}

	if st, _ := post(c, "/admin/users/"+fin+"/roles", url.Values{"roles": {"finance", "auditor"}}); st != http.StatusSeeOther {
		t.Fatalf("roles form = %d, want 303", st)
	}
	flash("De rollen zijn opgeslagen.")
	if st, page := post(c, "/admin/users/"+fin+"/roles", url.Values{"roles": {"finance", "provider"}}); st != http.StatusUnprocessableEntity || !strings.Contains(page, `id="roles-`+fin+`-error"`) {
		t.Fatalf("bad roles form = %d, want 422 with the error beside that user's roles:\n%s", st, page)
	}
	if st, page := post(c, "/admin/users/"+adm+"/roles", url.Values{"roles": {"auditor"}}); st != http.StatusUnprocessableEntity || !strings.Contains(page, "U kunt uw eigen beheerdersrol niet verwijderen.") {
		t.Fatalf("own admin role = %d, want 422 with the message:\n%s", st, page)
	}

	if st, page := post(c, "/admin/users/"+fin+"/password", url.Values{"password": {"short"}}); st != http.StatusUnprocessableEntity || !strings.Contains(page, `id="password-`+fin+`-error"`) {
		t.Fatalf("short password = %d, want 422 beside that user's password:\n%s", st, page)
	}
	if st, _ := post(c, "/admin/users/"+fin+"/password", url.Values{"password": {"a brand new passphrase"}}); st != http.StatusSeeOther {
		t.Fatalf("password form = %d, want 303", st)
	}
	flash("Het wachtwoord is opnieuw ingesteld.")

	other := browserClient(t)
	login(t, ts, other, "fin@enschede.example", "a brand new passphrase")
	if st, _ := body(t, other, ts.URL+"/"); st != http.StatusOK {
		t.Fatalf("finance home after login with the new password = %d, want 200", st)
	}
	if st, _ := post(other, "/admin/users/"+adm+"/active", url.Values{"active": {"false"}}); st != http.StatusForbidden {
		t.Fatalf("non-admin deactivation = %d, want 403", st)
	}
	for _, path := range []string{"/roles", "/password"} {
		if st, _ := post(other, "/admin/users/"+fin+path, url.Values{"roles": {"admin"}, "password": {"another long passphrase"}}); st != http.StatusForbidden {
			t.Fatalf("non-admin %s = %d, want 403", path, st)
		}
	}

	if st, page := post(c, "/admin/users/"+adm+"/active", url.Values{"active": {"false"}}); st != http.StatusUnprocessableEntity || !strings.Contains(page, "U kunt uzelf niet deactiveren.") {
		t.Fatalf("self deactivation = %d, want 422 with the message:\n%s", st, page)
	}
	if st, _ := post(c, "/admin/users/"+fin+"/active", url.Values{"active": {"false"}}); st != http.StatusSeeOther {
		t.Fatalf("deactivate = %d, want 303", st)
	}
	flash("De gebruiker is gedeactiveerd en kan niet meer inloggen.")
	// The deactivated user's open session ends on the next request.
	if st, _ := body(t, other, ts.URL+"/"); st != http.StatusSeeOther {
		t.Fatalf("deactivated user's session = %d, want 303 to the login page", st)
	}
	if st, _ := post(c, "/admin/users/"+fin+"/active", url.Values{"active": {"true"}}); st != http.StatusSeeOther {
		t.Fatalf("reactivate = %d, want 303", st)
	}
	flash("De gebruiker is weer actief.")
	if st, _ := post(c, "/admin/users/not-a-uuid/active", url.Values{"active": {"true"}}); st != http.StatusNotFound {
		t.Fatalf("unknown user = %d, want 404", st)
	}
}
