package web

import (
	"net/url"
	"strings"
	"unicode"
)

// localTarget returns next when it is a path on this site, and "/" otherwise.
// Every redirect to a target a user gave (login, language switch) goes
// through it.
//
// Browsers repair URLs before they follow them: they drop tabs and
// newlines, read a backslash as a slash and resolve "//host" as another
// origin. So a target is refused when it holds any control or
// bidirectional-format character or a backslash (raw or percent-encoded),
// and it is parsed and accepted only when it has no scheme, no host and a
// path that begins with exactly one slash, before and after decoding.
func localTarget(next string) string {
	if next == "" || len(next) > 2048 {
		return "/"
	}
	for _, r := range next {
		if r == '\\' || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.IsSpace(r) {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return "/"
	}
	decoded, err := url.PathUnescape(u.EscapedPath())
	if err != nil || !strings.HasPrefix(decoded, "/") || strings.HasPrefix(decoded, "//") {
		return "/"
	}
	for _, r := range decoded {
		if r == '\\' || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return "/"
		}
	}
	return u.RequestURI() + fragment(u)
}

func fragment(u *url.URL) string {
	if u.Fragment == "" {
		return ""
	}
	return "#" + u.EscapedFragment()
}
