package main

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// runHealth asks a running Tranche whether it is ready; the container
// healthcheck uses it because the image has no shell or curl.
func runHealth(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "health", "health [--url http://127.0.0.1:8080/readyz]")
	url := fs.String("url", "http://127.0.0.1:8080/readyz", "the readiness URL to ask")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", *url, resp.Status)
	}
	fmt.Fprintln(e.stdout, "ready")
	return nil
}
