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

	"github.com/euregio/tranche/internal/fault"
	"github.com/euregio/tranche/internal/idempotency"
	"github.com/gin-gonic/gin"
)

// idempotent makes a POST with an Idempotency-Key safe to retry: the first
// answer is stored with a hash of the request and replayed for the same
// request; another request under the same key is refused.
//
// The request runs in one database unit: claiming the key, the change the
// handler makes and the answer stored for it commit together, and only then
// is the answer sent. A crash at any point leaves all of it or none, so a
// retry replays or starts afresh. A 5xx answer rolls everything back.
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
		p := tooLargeProblem(err)
		if p == nil {
			p = problemFor(fault.MalformedInput, "the request body could not be read", nil)
		}
		writeProblem(c.Writer, p)
		c.Abort()
		return
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	hash := requestHash(c.Request.Method, c.Request.URL.RequestURI(), c.GetHeader("Content-Type"), body)
	ctx, unit, err := s.db.BeginUnit(c.Request.Context())
	if err != nil {
		writeProblem(c.Writer, problemFromError(c.Request.Context(), s.log, err))
		c.Abort()
		return
	}
	defer unit.Rollback()
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
	rec := &heldResponse{ResponseWriter: c.Writer, status: http.StatusOK}
	c.Writer = rec
	c.Request = c.Request.WithContext(ctx)
	c.Next()
	c.Writer = rec.ResponseWriter
	if rec.status < 500 {
		err = s.idem.Complete(ctx, a.UserID, key, idempotency.Stored{Status: rec.status, ContentType: rec.Header().Get("Content-Type"), Body: rec.buf.Bytes()})
		if err == nil {
			err = unit.Commit()
		}
		if err != nil {
			// Nothing of the request is kept: answer as for any failure
			// on the way to the database, and the client retries.
			rec.Header().Del("Content-Length")
			writeProblem(rec.ResponseWriter, problemFromError(ctx, s.log, err))
			return
		}
	}
	rec.release()
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

// heldResponse keeps a handler's answer back until the unit it was made in
// has committed.
type heldResponse struct {
	gin.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (r *heldResponse) WriteHeader(code int) { r.status = code }
func (r *heldResponse) WriteHeaderNow()      {}
func (r *heldResponse) Status() int          { return r.status }
func (r *heldResponse) Size() int            { return r.buf.Len() }
func (r *heldResponse) Written() bool        { return r.buf.Len() > 0 }
func (r *heldResponse) Flush()               {}

func (r *heldResponse) Write(b []byte) (int, error) { return r.buf.Write(b) }

func (r *heldResponse) WriteString(s string) (int, error) { return r.buf.WriteString(s) }

// release sends the held answer.
func (r *heldResponse) release() {
	r.ResponseWriter.WriteHeader(r.status)
	_, _ = r.ResponseWriter.Write(r.buf.Bytes())
}
