package load

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Evidence is a small, valid one-page PDF (about 16 KB, most of it a
// comment that stands for a scanned certificate's bulk).
var Evidence = func() []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		"",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	content := "BT /F1 18 Tf 72 760 Td (Certificaat A2 behaald) Tj ET"
	objs[3] = fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content)
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	for b.Len() < 16<<10 {
		b.WriteString("% scan padding ....................................................\n")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}()

// Stats collects the latency of every answered request per operation.
type Stats struct {
	mu   sync.Mutex
	ops  map[string][]time.Duration
	errs map[string]int
	code map[string]map[int]int
}

// NewStats returns empty statistics.
func NewStats() *Stats {
	return &Stats{ops: map[string][]time.Duration{}, errs: map[string]int{}, code: map[string]map[int]int{}}
}

func (s *Stats) record(op string, d time.Duration, status int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.errs[op]++
		return
	}
	s.ops[op] = append(s.ops[op], d)
	if s.code[op] == nil {
		s.code[op] = map[int]int{}
	}
	s.code[op][status]++
}

// OpSummary is what one operation measured.
type OpSummary struct {
	Op            string
	Count         int // answered requests
	NetworkErrors int
	Statuses      map[int]int
	P50, P95, P99 time.Duration
	Max           time.Duration
}

// Summary returns every operation's figures, sorted by name.
func (s *Stats) Summary() []OpSummary {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := map[string]bool{}
	for k := range s.ops {
		names[k] = true
	}
	for k := range s.errs {
		names[k] = true
	}
	var out []OpSummary
	for name := range names {
		d := slices.Clone(s.ops[name])
		slices.Sort(d)
		o := OpSummary{Op: name, Count: len(d), NetworkErrors: s.errs[name], Statuses: map[int]int{}}
		for k, v := range s.code[name] {
			o.Statuses[k] = v
		}
		if len(d) > 0 {
			o.P50, o.P95, o.P99, o.Max = pct(d, 50), pct(d, 95), pct(d, 99), d[len(d)-1]
		}
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b OpSummary) int { return strings.Compare(a.Op, b.Op) })
	return out
}

// pct is the nearest-rank percentile of sorted durations.
func pct(d []time.Duration, p int) time.Duration {
	i := (len(d)*p + 99) / 100
	if i < 1 {
		i = 1
	}
	return d[i-1]
}

// Client talks to one Tranche server.
type Client struct {
	Base  string
	HTTP  *http.Client
	Stats *Stats
}

// NewClient returns a client with a connection pool sized for the load.
func NewClient(base string, stats *Stats) *Client {
	tr := &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 128, IdleConnTimeout: 30 * time.Second}
	return &Client{Base: strings.TrimRight(base, "/"), HTTP: &http.Client{Transport: tr, Timeout: 60 * time.Second}, Stats: stats}
}

// Answer is a response that arrived.
type Answer struct {
	Status   int
	Body     []byte
	Replayed bool
}

// Problem is the code of a problem+json answer ("" if there is none).
func (a Answer) Problem() string {
	var p struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(a.Body, &p)
	return p.Code
}

// Do sends one request and records it under op. A nil error means an
// answer arrived (whatever its status).
func (c *Client) Do(ctx context.Context, op, method, path, token, contentType string, body []byte, headers ...string) (Answer, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, r)
	if err != nil {
		return Answer{}, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	start := time.Now()
	resp, err := c.HTTP.Do(req)
	if err != nil {
		if ctx.Err() == nil { // not a request the load itself called off
			c.Stats.record(op, 0, 0, err)
		}
		return Answer{}, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		if ctx.Err() == nil {
			c.Stats.record(op, 0, 0, err)
		}
		return Answer{}, err
	}
	c.Stats.record(op, time.Since(start), resp.StatusCode, nil)
	return Answer{Status: resp.StatusCode, Body: b, Replayed: resp.Header.Get("Idempotency-Replayed") == "true"}, nil
}

// JSON sends v as a JSON body (nil: no body).
func (c *Client) JSON(ctx context.Context, op, method, path, token string, v any, headers ...string) (Answer, error) {
	if v == nil {
		return c.Do(ctx, op, method, path, token, "", nil, headers...)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return Answer{}, err
	}
	return c.Do(ctx, op, method, path, token, "application/json", b, headers...)
}

// ClaimRequest is one claim submission, kept so that it can be retried
// byte for byte under the same Idempotency-Key.
type ClaimRequest struct {
	Slot        Slot
	Token       string
	Key         string
	ContentType string
	Body        []byte
}

// NewClaimRequest builds the multipart claim for slot with the PDF evidence.
func NewClaimRequest(slot Slot, token string) ClaimRequest {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	_ = w.WriteField("trajectory_id", slot.TrajectoryID.String())
	_ = w.WriteField("milestone_code", slot.Milestone)
	_ = w.WriteField("achieved_on", slot.AchievedOn)
	_ = w.WriteField("note", "Behaald volgens het dossier (load test).")
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="evidence"; filename="%s-bewijs.pdf"`, slot.Milestone))
	h.Set("Content-Type", "application/pdf")
	fw, _ := w.CreatePart(h)
	_, _ = fw.Write(Evidence)
	_ = w.Close()
	return ClaimRequest{Slot: slot, Token: token, Key: uuid.NewString(), ContentType: w.FormDataContentType(), Body: b.Bytes()}
}

// ClaimResult is how a claim submission ended.
type ClaimResult struct {
	Request  ClaimRequest
	ID       uuid.UUID // set when acknowledged (2xx)
	Acked    bool
	Replayed bool
	Status   int    // the last status seen (0: no answer)
	Problem  string // the last problem code
	Err      error  // the last network error
	Attempts int
}

// Submit sends the claim and retries with the same key on network errors,
// 5xx and "key in flight" until it is acknowledged, refused with another
// 4xx, retryFor has passed, or ctx ends.
func (c *Client) Submit(ctx context.Context, cr ClaimRequest, retryFor time.Duration) ClaimResult {
	res := ClaimResult{Request: cr}
	deadline := time.Now().Add(retryFor)
	backoff := 25 * time.Millisecond
	for {
		res.Attempts++
		a, err := c.Do(ctx, "submit_claim", http.MethodPost, "/api/v1/claims", cr.Token, cr.ContentType, cr.Body, "Idempotency-Key", cr.Key)
		res.Err = err
		if err == nil {
			res.Status, res.Problem = a.Status, a.Problem()
			if a.Status/100 == 2 {
				var body struct {
					ID uuid.UUID `json:"id"`
				}
				if jerr := json.Unmarshal(a.Body, &body); jerr != nil || body.ID == uuid.Nil {
					res.Err = fmt.Errorf("2xx without a claim id: %q", a.Body)
					return res
				}
				res.ID, res.Acked, res.Replayed = body.ID, true, a.Replayed
				return res
			}
			if a.Status < 500 && res.Problem != "idempotency_key_in_flight" {
				return res
			}
		}
		if ctx.Err() != nil || time.Now().Add(backoff).After(deadline) {
			return res
		}
		select {
		case <-ctx.Done():
			return res
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, time.Second)
	}
}

// QueueItem is a claim in the verification queue.
type QueueItem struct {
	ID    uuid.UUID `json:"id"`
	State string    `json:"state"`
}

// Queue reads the verification queue.
func (c *Client) Queue(ctx context.Context, token string) ([]QueueItem, error) {
	a, err := c.JSON(ctx, "verification_queue", http.MethodGet, "/api/v1/verification-queue", token, nil)
	if err != nil {
		return nil, err
	}
	if a.Status != http.StatusOK {
		return nil, fmt.Errorf("verification queue: %d %s", a.Status, a.Body)
	}
	var q struct {
		Items []QueueItem `json:"items"`
	}
	if err := json.Unmarshal(a.Body, &q); err != nil {
		return nil, err
	}
	return q.Items, nil
}

// errNoRoute says the server has no such route (an older Tranche).
var errNoRoute = errors.New("route not served")
