package web

import (
	"errors"
	"html"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/internal/money"
	"github.com/euregio/tranche/outcomes"
	"github.com/euregio/tranche/pooling"
	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// formErrorCase is a form posted with bad input, the same input handed
// straight to the domain (for the English messages the page must not
// show), and the errors it must provoke: "field:code", or ":code" for an
// error without fields.
type formErrorCase struct {
	name   string
	path   string
	area   string
	form   url.Values
	domain func() error
	want   []string
}

// Every error the funding-stream, budget, allocation and user forms can
// show is in the page's language: in Dutch and German the page shows the
// locale's message for each error and none of the domain's English ones.
func TestFormErrorsInDutchAndGerman(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.user("admin@enschede.example", access.Admin)
	e.user("inkoop@enschede.example", access.Procurement)
	ts := httptest.NewServer(e.handler)
	defer ts.Close()
	ctx, sys := t.Context(), access.System("test")

	streamForm := func(code string, change func(url.Values)) url.Values {
		v := url.Values{"funder": {"Rijk"}, "name": {"Rijksbijdrage " + code}, "reporting_code": {code}, "amount": {"10.000,00"},
			"valid_from": {"2005-01-01"}, "valid_to": {"2005-12-31"}, "unrestricted": {"1"}}
		if change != nil {
			change(v)
		}
		return v
	}
	streamInput := func(v url.Values) pooling.CreateFundingStreamInput {
		return pooling.CreateFundingStreamInput{Funder: v.Get("funder"), Name: v.Get("name"), ReportingCode: v.Get("reporting_code"),
			Amount: money.Canonical(v.Get("amount")), ValidFrom: v.Get("valid_from"), ValidTo: v.Get("valid_to"),
			Earmark: v["earmark"], Unrestricted: v.Get("unrestricted") != ""}
	}
	createStream := func(v url.Values) pooling.FundingStream {
		f, err := e.srv.pooling.CreateFundingStream(ctx, sys, streamInput(v))
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	in2005 := createStream(streamForm("NIG-2005", nil))
	in2006 := createStream(streamForm("NIG-2006", func(v url.Values) { v.Set("valid_from", "2006-01-01"); v.Set("valid_to", "2006-12-31") }))
	budget, err := e.srv.pooling.CreateBudget(ctx, sys, pooling.CreateBudgetInput{Name: "Integratie 2005", PeriodStart: "2005-01-01", PeriodEnd: "2005-12-31"})
	if err != nil {
		t.Fatal(err)
	}

	stream := func(name string, want []string, change func(url.Values)) formErrorCase {
		v := streamForm("REI-2005", change)
		return formErrorCase{name: "stream " + name, path: "/funding-streams", area: "pooling", form: v, want: want,
			domain: func() error { _, err := e.srv.pooling.CreateFundingStream(ctx, sys, streamInput(v)); return err }}
	}
	budgetCase := func(name string, want []string, v url.Values) formErrorCase {
		return formErrorCase{name: "budget " + name, path: "/budgets", area: "pooling", form: v, want: want, domain: func() error {
			_, err := e.srv.pooling.CreateBudget(ctx, sys, pooling.CreateBudgetInput{Name: v.Get("name"), PeriodStart: v.Get("period_start"), PeriodEnd: v.Get("period_end")})
			return err
		}}
	}
	allocation := func(name string, want []string, streamID, amount string) formErrorCase {
		v := url.Values{"funding_stream_id": {streamID}, "amount": {amount}}
		return formErrorCase{name: "allocation " + name, path: "/budgets/" + budget.ID.String() + "/allocations", area: "pooling", form: v, want: want,
			domain: func() error {
				in := pooling.AllocateInput{BudgetID: budget.ID, Amount: money.Canonical(amount)}
				if streamID != "" {
					id := in2005.ID
					if streamID == in2006.ID.String() {
						id = in2006.ID
					}
					in.FundingStreamID = id
				}
				_, err := e.srv.pooling.Allocate(ctx, sys, in)
				return err
			}}
	}
	user := func(name string, want []string, v url.Values) formErrorCase {
		return formErrorCase{name: "user " + name, path: "/admin/users", area: "users", form: v, want: want, domain: func() error {
			var roles []access.Role
			for _, r := range v["roles"] {
				roles = append(roles, access.Role(r))
			}
			_, err := e.srv.access.CreateUser(ctx, sys, access.NewUser{Email: v.Get("email"), Name: v.Get("name"), Password: v.Get("password"),
				Roles: roles, ProviderKVK: strings.TrimSpace(v.Get("provider")), Locale: v.Get("locale")})
			return err
		}}
	}
	long := strings.Repeat("x", 201)
	cases := []formErrorCase{
		stream("with empty and malformed fields", []string{"funder:required", "name:too_long", "reporting_code:invalid_format", "amount:required",
			"valid_from:invalid_date", "valid_to:required", "earmark:earmark_or_unrestricted"}, func(v url.Values) {
			v.Set("funder", "")
			v.Set("name", long)
			v.Set("reporting_code", "REI 2005")
			v.Set("amount", "")
			v.Set("valid_from", "31-01-2005")
			v.Set("valid_to", "")
			v["earmark"] = []string{"language"}
		}),
		stream("with an ambiguous amount, ending before it starts", []string{"amount:invalid_amount", "valid_to:end_before_start"}, func(v url.Values) {
			v.Set("amount", "1.000")
			v.Set("valid_to", "2004-12-31")
		}),
		stream("with three decimals", []string{"amount:too_many_decimals"}, func(v url.Values) { v.Set("amount", "10,0055") }),
		stream("of nothing", []string{"amount:not_positive"}, func(v url.Values) { v.Set("amount", "0,00") }),
		stream("too large", []string{"amount:too_large"}, func(v url.Values) { v.Set("amount", "9999999999999") }),
		stream("with an unknown category", []string{"earmark:unknown_category"}, func(v url.Values) {
			v.Del("unrestricted")
			v["earmark"] = []string{"no_such_category"}
		}),
		stream("with a reporting code in use", []string{"reporting_code:taken"}, func(v url.Values) { v.Set("reporting_code", "NIG-2005") }),
		budgetCase("with empty and malformed fields", []string{"name:required", "period_start:invalid_date", "period_end:required"},
			url.Values{"name": {""}, "period_start": {"2005"}, "period_end": {""}}),
		budgetCase("too long, ending before it starts", []string{"name:too_long", "period_end:end_before_start"},
			url.Values{"name": {long}, "period_start": {"2005-01-01"}, "period_end": {"2004-01-01"}}),
		budgetCase("with a name in use", []string{"name:taken"},
			url.Values{"name": {"Integratie 2005"}, "period_start": {"2005-01-01"}, "period_end": {"2005-12-31"}}),
		allocation("without stream or amount", []string{"funding_stream_id:required", "amount:required"}, "", ""),
		allocation("with an ambiguous amount", []string{"amount:invalid_amount"}, in2005.ID.String(), "1.000"),
		allocation("with three decimals", []string{"amount:too_many_decimals"}, in2005.ID.String(), "0,001"),
		allocation("below zero", []string{"amount:not_positive"}, in2005.ID.String(), "-5,00"),
		allocation("too large", []string{"amount:too_large"}, in2005.ID.String(), "1.000.000.000.000,00"),
		allocation("of more than the stream has", []string{":allocation_exceeds_stream"}, in2005.ID.String(), "20.000,00"),
		allocation("from a stream of another year", []string{":allocation_outside_validity"}, in2006.ID.String(), "10,00"),
		{name: "allocation from no stream", path: "/budgets/" + budget.ID.String() + "/allocations", area: "pooling",
			form: url.Values{"funding_stream_id": {"not-an-id"}, "amount": {"10,00"}}, want: []string{"funding_stream_id:not_an_id"},
			// The page refuses what is not an id before the domain sees it.
			domain: func() error {
				_, err := parseFundingStreamID("not-an-id")
				return err
			}},
		user("with a bad email, no roles, a blank password and an unknown language",
			[]string{"email:invalid_email", "roles:required", "password:password_blank", "locale:unknown_locale"},
			url.Values{"email": {"not an email"}, "password": {"    "}, "locale": {"fr"}}),
		user("short password, roles combined, provider missing", []string{"password:password_too_short", "roles:role_combination", "provider:required"},
			url.Values{"email": {"p@enschede.example"}, "password": {"kort"}, "roles": {"provider", "verifier"}}),
		user("long password, provider not allowed", []string{"password:password_too_long", "provider:not_allowed"},
			url.Values{"email": {"v@enschede.example"}, "password": {strings.Repeat("ab", 65)}, "roles": {"verifier"}, "provider": {"12345678"}}),
		user("repeated password", []string{"password:password_repeated"},
			url.Values{"email": {"v@enschede.example"}, "password": {strings.Repeat("a", 14)}, "roles": {"verifier"}}),
		user("common password", []string{"password:password_common"},
			url.Values{"email": {"v@enschede.example"}, "password": {"123456789012"}, "roles": {"verifier"}}),
		user("email in use", []string{":email_taken"},
			url.Values{"email": {"admin@enschede.example"}, "roles": {"verifier"}}),
		user("unknown provider", []string{":provider_unknown"},
			url.Values{"email": {"p@enschede.example"}, "roles": {"provider"}, "provider": {"99999999"}}),
	}

	en := messages(t, "en")
	clients := map[string]*http.Client{}
	for _, lang := range []string{"nl", "de"} {
		for _, who := range []string{"admin@enschede.example", "inkoop@enschede.example"} {
			c := browserClient(t)
			login(t, ts, c, who, testPassword)
			u, _ := url.Parse(ts.URL)
			c.Jar.SetCookies(u, []*http.Cookie{{Name: "lang", Value: lang, Path: "/"}})
			clients[lang+who] = c
		}
	}
	for _, tc := range cases {
		fe, ok := fault.As(tc.domain())
		if !ok {
			t.Fatalf("%s: the domain accepted the input", tc.name)
		}
		english := []string{fe.Detail, fe.Code.Title}
		got := map[string]bool{}
		if len(fe.Fields) == 0 {
			got[":"+fe.Code.Code] = true
		}
		for _, f := range fe.Fields {
			got[f.Field+":"+f.Code] = true
			english = append(english, f.Message)
		}
		for _, w := range tc.want {
			if !got[w] {
				t.Fatalf("%s: the domain's error %v lacks %s", tc.name, fe, w)
			}
		}
		who := "inkoop@enschede.example"
		if tc.area == "users" {
			who = "admin@enschede.example"
		}
		for _, lang := range []string{"nl", "de"} {
			p := basePage{Lang: lang, loc: i18n.NewLocalizer(e.srv.pages.bundle, lang)}
			status, _, page := postForm(t, clients[lang+who], ts.URL+tc.path, tc.form)
			if status != http.StatusUnprocessableEntity && status != http.StatusConflict {
				t.Fatalf("%s in %s = %d, want 422 or 409:\n%s", tc.name, lang, status, page)
			}
			if !strings.Contains(page, `<html lang="`+lang+`">`) {
				t.Fatalf("%s: the page is not in %s", tc.name, lang)
			}
			lower := strings.ToLower(html.UnescapeString(page))
			for _, w := range tc.want {
				field, code, _ := strings.Cut(w, ":")
				keys := []string{tc.area + ".error." + field + "." + code, tc.area + ".error." + code}
				if field == "" {
					keys = keys[1:]
				}
				key := ""
				for _, k := range keys {
					if _, ok := en[k]; ok {
						key = k
						break
					}
				}
				if key == "" {
					t.Errorf("%s: no message for %s (want one of %v)", tc.name, w, keys)
					continue
				}
				if field != "" {
					// The summary above the page links to the message beside the field.
					if !strings.Contains(page, `id="error-summary"`) || !strings.Contains(page, `href="#`+field+`-error"`) || !strings.Contains(page, `id="`+field+`-error"`) {
						t.Errorf("%s in %s: no error summary linking to %s beside its field", tc.name, lang, field)
					}
				}
				msg := p.T(key, "Min", access.MinPasswordLength, "Max", access.MaxPasswordLength)
				if !strings.Contains(page, html.EscapeString(msg)) {
					t.Errorf("%s in %s: the page lacks %q for %s", tc.name, lang, msg, w)
				}
				if enMsg := strings.ToLower(en[key]); strings.Contains(lower, enMsg) && !strings.Contains(enMsg, "{{") {
					t.Errorf("%s in %s: the page shows the English %q", tc.name, lang, en[key])
				}
			}
			for _, m := range english {
				if m != "" && strings.Contains(lower, strings.ToLower(m)) {
					t.Errorf("%s in %s: the page shows the domain's English %q", tc.name, lang, m)
				}
			}
		}
	}
}

// A domain error without a message of its own in the page's language gets
// the language's generic text, never the domain's English detail or message.
func TestPagesNeverShowTheDomainsEnglish(t *testing.T) {
	t.Parallel()
	r, err := newRenderer("")
	if err != nil {
		t.Fatal(err)
	}
	unknown := fault.Define("some_rule_without_a_message", fault.KindConflict, "Some rule")
	for _, lang := range []string{"nl", "de"} {
		p := basePage{Lang: lang, loc: i18n.NewLocalizer(r.bundle, lang)}
		whole := &fault.Error{Code: unknown, Detail: "the English detail"}
		fields := fault.Invalid(fault.Field("amount", "some_code_without_a_message", "the English message"))
		if got := fieldErrors(p, whole, errorPlace{})[""]; got != p.T("error.invalid_form") || strings.Contains(got, "English") {
			t.Errorf("%s: error without fields shows %q", lang, got)
		}
		if got := fieldErrors(p, fields, errorPlace{})["amount"]; got != p.T("error.invalid_value") || strings.Contains(got, "English") {
			t.Errorf("%s: field error shows %q", lang, got)
		}
		if got := localMessage(p, "invalid_amount", true); got == p.T("error.invalid_value") {
			t.Errorf("%s: invalid_amount has no message of its own", lang)
		}
	}
}

// fieldErrors puts each message beside the input it is about, with the
// area's own words first; formFailure's sorting says which errors come
// back on the form at all. No database: values in, values out.
func TestFieldErrorsPlacesEachMessage(t *testing.T) {
	t.Parallel()
	r, err := newRenderer("")
	if err != nil {
		t.Fatal(err)
	}
	p := basePage{Lang: "en", loc: i18n.NewLocalizer(r.bundle, "en")}
	conflict := fault.Define("test_rule_whole_form", fault.KindConflict, "A rule about the whole form")
	cases := []struct {
		name string
		err  error
		at   errorPlace
		want formErrors
	}{
		{"a field keeps its name", fault.Invalid(fault.Field("name", "required", "x")), errorPlace{area: "pooling"},
			formErrors{"name": p.T("pooling.error.required")}},
		{"the area's field message comes first", fault.Invalid(fault.Field("roles", "required", "x")), errorPlace{area: "users"},
			formErrors{"roles": p.T("users.error.roles.required")}},
		{"another area's message before the generic one", fault.Invalid(fault.Field("x", "own_claim", "x")), errorPlace{area: "pooling"},
			formErrors{"x": p.T("outcomes.error.own_claim")}},
		{"no message anywhere: the generic one", fault.Invalid(fault.Field("x", "no_such_code_anywhere", "the English")), errorPlace{area: "billing"},
			formErrors{"x": p.T("error.invalid_value")}},
		{"prefixed drops the last index", fault.Invalid(fault.Field("files[3]", "too_long", "x")), errorPlace{area: "outcomes", input: prefixed("approve_")},
			formErrors{"approve_files": p.T("outcomes.error.too_long")}},
		{"suffixed for a row's form", fault.Invalid(fault.Field("reason", "required", "x")), errorPlace{area: "outcomes", input: suffixed("-42")},
			formErrors{"reason-42": p.T("outcomes.error.required")}},
		{"the first of two errors for one input", fault.Invalid(fault.Field("a", "required", "x"), fault.Field("a", "too_long", "y")), errorPlace{area: "outcomes"},
			formErrors{"a": p.T("outcomes.error.required")}},
		{"without fields: the top", &fault.Error{Code: conflict}, errorPlace{area: "pooling"},
			formErrors{"": p.T("error.invalid_form")}},
		{"without fields: beside the orphan's input", &fault.Error{Code: conflict}, errorPlace{area: "pooling", orphan: beside("amount")},
			formErrors{"amount": p.T("error.invalid_form")}},
		{"not a domain error: internal, at the top", errors.New("connection reset"), errorPlace{area: "pooling"},
			formErrors{"": p.T("error.internal")}},
	}
	for _, c := range cases {
		if got := fieldErrors(p, c.err, c.at); !maps.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	for _, want := range []string{p.T("pooling.error.required"), p.T("users.error.roles.required"), p.T("outcomes.error.own_claim")} {
		if want == p.T("error.invalid_value") || strings.Contains(want, ".error.") {
			t.Fatalf("the table's expected message %q is not a message of its own", want)
		}
	}

	onForm := map[fault.Code]bool{
		fault.InvalidInput: true, conflict: true, outcomes.EvidenceTooLarge: true, outcomes.OwnClaim: true,
		fault.Forbidden: false, fault.NotFound: false, fault.MalformedInput: false, {Code: "unexpected", Kind: fault.KindInternal}: false,
	}
	for code, want := range onForm {
		if got := onTheForm(code); got != want {
			t.Errorf("onTheForm(%s) = %v, want %v", code.Code, got, want)
		}
	}
}
