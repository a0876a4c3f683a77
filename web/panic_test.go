package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// A recovered panic is logged as a request with status 500 and counted in
// the metrics like any other 500.
func TestRecoveredPanicIsLoggedAndCounted(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	e.srv.engine.GET("/panics", func(*gin.Context) { panic("boom") })
	r := e.get("/panics", "")
	r.problem(t, http.StatusInternalServerError, "internal_error")
	logs := e.logs.String()
	if !strings.Contains(logs, `"msg":"panic"`) {
		t.Errorf("the panic is not logged:\n%s", logs)
	}
	found := false
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, `"msg":"request"`) && strings.Contains(line, `"route":"/panics"`) && strings.Contains(line, `"status":500`) &&
			strings.Contains(line, `"level":"ERROR"`) {
			found = true
		}
	}
	if !found {
		t.Errorf("no request log line with status 500 for the panic:\n%s", logs)
	}
	m := e.get("/metrics", "").Body.String()
	if !strings.Contains(m, `tranche_http_requests_total{method="GET",route="/panics",status="500"} 1`) {
		t.Errorf("the panic is not counted as a 500:\n%s", grepLines(m, "tranche_http_requests_total"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
