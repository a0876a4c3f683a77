package web

import (
	"bytes"
	"crypto/sha256"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"sort"
	"strings"

	"github.com/euregio/tranche/internal/idempotency"
	"github.com/gin-gonic/gin"
)

// idempotent makes a POST with an Idempotency-Key safe to retry: the first
// answer is stored with a hash of the request and replayed for the same
// request; another request under the same key is refused.
func (s *Server) idempotent(c *gin.Context) {
	key := c.GetHeader("Idempotency-Key")
	if key == "" || c.Request.Method != http.MethodPost || !strings.HasPrefix(c.Request.URL.Path, "/api/v1/") {
		c.Next()
		return
	}
	a, ok := actorOf(c)
	if !ok {
		c.Next()
		return
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		writeProblem(c.Writer, problemFor(bodyTooLarge, "the request body is too large or could not be read", nil))
		c.Abort()
		return
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	hash := requestHash(c.Request.Method, c.Request.URL.RequestURI(), c.GetHeader("Content-Type"), body)
	ctx := c.Request.Context()
	stored, err := s.idem.Begin(ctx, a.UserID, key, c.Request.Method, c.Request.URL.Path, hash)
	if err != nil {
		writeProblem(c.Writer, problemFromError(ctx, s.log, err))
		c.Abort()
		return
	}
	if stored != nil {
		c.Header("Idempotency-Replayed", "true")
		c.Data(stored.Status, stored.ContentType, stored.Body)
		c.Abort()
		return
	}
	rec := &recorder{ResponseWriter: c.Writer}
	c.Writer = rec
	c.Next()
	status := rec.Status()
	if status >= 500 {
		_ = s.idem.Abandon(ctx, a.UserID, key)
		return
	}
	if err := s.idem.Complete(ctx, a.UserID, key, idempotency.Stored{Status: status, ContentType: rec.Header().Get("Content-Type"), Body: rec.buf.Bytes()}); err != nil {
		s.log.ErrorContext(ctx, "store idempotent response", "err", err)
	}
}

// requestHash hashes what makes two requests the same. A multipart body is
// hashed by its parts, not its bytes, because clients pick a new boundary
// for every attempt.
func requestHash(method, uri, contentType string, body []byte) []byte {
	h := sha256.New()
	h.Write([]byte(method + " " + uri + "\n"))
	mt, params, _ := mime.ParseMediaType(contentType)
	if strings.HasPrefix(mt, "multipart/") && params["boundary"] != "" {
		r := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		type part struct {
			name, file string
			sum        [32]byte
		}
		var parts []part
		for {
			p, err := r.NextPart()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(p)
			parts = append(parts, part{p.FormName(), p.FileName(), sha256.Sum256(b)})
		}
		sort.SliceStable(parts, func(i, j int) bool { return parts[i].name < parts[j].name })
		for _, p := range parts {
			h.Write([]byte(p.name + "\x00" + p.file + "\x00"))
			h.Write(p.sum[:])
		}
		return h.Sum(nil)
	}
	h.Write([]byte(mt + "\n"))
	h.Write(body)
	return h.Sum(nil)
}

type recorder struct {
	gin.ResponseWriter
	buf bytes.Buffer
}

func (r *recorder) Write(b []byte) (int, error) {
	r.buf.Write(b)
	return r.ResponseWriter.Write(b)
}

func (r *recorder) WriteString(s string) (int, error) {
	r.buf.WriteString(s)
	return r.ResponseWriter.WriteString(s)
}
