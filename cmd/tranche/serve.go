package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/euregio/tranche/internal/access"
	"github.com/euregio/tranche/internal/audit"
	"github.com/euregio/tranche/internal/database"
	"github.com/euregio/tranche/internal/idempotency"
	"github.com/euregio/tranche/outcomes"
	"github.com/euregio/tranche/pooling"
	"github.com/euregio/tranche/web"
)

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve", "serve [--addr :8080] [--no-migrate]")
	addr := fs.String("addr", e.setting("TRANCHE_ADDR", ":8080"), "address to listen on (env TRANCHE_ADDR)")
	noMigrate := fs.Bool("no-migrate", false, "do not apply pending migrations at start")
	withDemo := fs.Bool("demo", false, "load the demo scenario first when the database is empty (see tranche demo)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	target, err := locateDB(ctx, e)
	if err != nil {
		return err
	}
	defer target.stop()
	if !*noMigrate {
		// As the schema's owner, on a connection of its own; the server
		// itself runs as the application's role.
		owner, err := database.Open(ctx, target.ownerURL, e.log)
		if err != nil {
			return err
		}
		n, err := migrateAndGrant(ctx, e, owner, e.log)
		owner.Close()
		if err != nil {
			return err
		}
		e.log.Info("migrations applied", "count", n)
	}
	db, err := database.Open(ctx, target.appURL, e.log)
	if err != nil {
		return err
	}
	defer db.Close()
	warnIfPrivileged(ctx, e, db)
	if *withDemo {
		empty, err := databaseEmpty(ctx, db)
		if err != nil {
			return err
		}
		if empty {
			if err := loadDemo(ctx, e, db, 2005); err != nil {
				return fmt.Errorf("load the demo: %w", err)
			}
		} else {
			e.log.Info("the database holds data; the demo is not loaded again")
		}
	}
	proxies, err := web.ParseTrustedProxies(e.getenv("TRANCHE_TRUSTED_PROXIES"))
	if err != nil {
		return fmt.Errorf("TRANCHE_TRUSTED_PROXIES: %w", err)
	}
	srv, err := web.New(web.Config{
		SecureCookies:  strings.EqualFold(e.getenv("TRANCHE_SECURE_COOKIES"), "true"),
		Municipality:   e.getenv("TRANCHE_MUNICIPALITY"),
		TrustedProxies: proxies,
	}, db, e.log)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Addr:              *addr,
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // evidence uploads
		WriteTimeout:      5 * time.Minute, // large exports
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	// Listen before logging, so that the log names the address really
	// listened on (":8080" or port 0 resolved), with a URL to open.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	go hourly(ctx, e, db)
	e.log.Info("tranche listening", "addr", ln.Addr().String(), "url", browseURL(ln.Addr()))
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	e.log.Info("shutting down")
	defer srv.Close() // after the requests: stops background PDF generation
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// warnIfPrivileged logs a warning when the application's connection is a
// superuser or owns tables: then nothing keeps it from switching off the
// append-only guards.
func warnIfPrivileged(ctx context.Context, e *env, db *database.DB) {
	var role string
	var super bool
	var owned int
	err := db.Pool.QueryRow(ctx, `SELECT current_user::text, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),
		(SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tableowner = current_user)`).Scan(&role, &super, &owned)
	if err != nil {
		e.log.Warn("could not check the application's database role", "err", err)
		return
	}
	if super || owned > 0 {
		e.log.Warn("the application's database role is a superuser or owns tables, so it could switch off the append-only guards; "+
			"see docs/operations.md, Database roles", "role", role, "superuser", super, "tables_owned", owned)
	}
}

// hourly does the background work once at start and then every hour,
// until ctx ends: it releases the money of passed milestone deadlines,
// forgets idempotency keys older than a day and logs an audit anchor.
func hourly(ctx context.Context, e *env, db *database.DB) {
	svc := outcomes.NewService(db.Gorm, pooling.NewService(db.Gorm))
	keys := idempotency.NewStore(db.Gorm)
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		if n, err := keys.Prune(ctx); err != nil && ctx.Err() == nil {
			e.log.Error("prune idempotency keys", "err", err)
		} else if n > 0 {
			e.log.Info("pruned idempotency keys", "count", n)
		}
		res, err := svc.ExpireMilestones(ctx, access.System("expire"), time.Now().UTC())
		switch {
		case err != nil && ctx.Err() == nil:
			e.log.Error("milestone expiry", "err", err)
		case err == nil && res.Milestones > 0:
			e.log.Info("milestone expiry", "milestones", res.Milestones, "trajectories", res.Trajectories, "released", res.Released.StringFixed(2))
		}
		// An anchor of the audit trail in the log, each hour: a log kept
		// apart from the database serves as the file for check --anchor.
		if a, ok, err := audit.Head(ctx, db.Gorm, time.Now()); err != nil && ctx.Err() == nil {
			e.log.Error("audit anchor", "err", err)
		} else if ok {
			e.log.Info("audit anchor", "anchor", a.String())
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// browseURL is the address a browser on this machine opens: a wildcard
// listen address becomes localhost.
func browseURL(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return "http://" + a.String()
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(tcp.Port)) + "/"
}
