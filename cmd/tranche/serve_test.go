package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/euregio/tranche/internal/database/dbtest"
)

// lockedBuffer is a bytes.Buffer the server writes and the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The start log names the address really listened on: port 0 asks for any
// free port, and the log must give the one the server got.
func TestServeLogsTheAddressListenedOn(t *testing.T) {
	t.Parallel()
	ownerURL, appURL := dbtest.URLs(t)
	setenv(t, "DATABASE_URL", appURL)
	setenv(t, "TRANCHE_MIGRATE_URL", ownerURL)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var errb lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, getenvOf(t), []string{"serve", "--addr", "127.0.0.1:0"}, strings.NewReader(""), &bytes.Buffer{}, &errb)
	}()
	var listening struct{ Addr, URL string }
	for listening.Addr == "" {
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d before listening:\n%s", code, errb.String())
		case <-time.After(50 * time.Millisecond):
		}
		sc := bufio.NewScanner(strings.NewReader(errb.String()))
		for sc.Scan() {
			if strings.Contains(sc.Text(), `"msg":"tranche listening"`) {
				if err := json.Unmarshal(sc.Bytes(), &listening); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if !strings.HasPrefix(listening.Addr, "127.0.0.1:") || listening.Addr == "127.0.0.1:0" || listening.URL != "http://"+listening.Addr+"/" {
		t.Fatalf("listening on %q (%q), want the port the server got", listening.Addr, listening.URL)
	}
	resp, err := http.Get(listening.URL + "healthz")
	if err != nil {
		t.Fatalf("GET the logged address: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %shealthz = %d", listening.URL, resp.StatusCode)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve after shutdown = %d:\n%s", code, errb.String())
	}
}
