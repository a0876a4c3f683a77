package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/euregio/tranche/internal/access"
)

func runUser(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(e.stderr, "Usage: tranche user add --email E --role R[,R…] [--provider KVK] [--name N] [--locale nl|en|de] [--password-stdin]")
			return nil
		}
		fmt.Fprintln(e.stderr, "Usage: tranche user add --email E --role R[,R…] [--provider KVK] [--name N] [--locale nl|en|de] [--password-stdin]")
		return errUsage
	}
	fs := newFlags(e, "user add", "user add --email E --role R[,R…] [--provider KVK] [--password-stdin]")
	email := fs.String("email", "", "the user's email address (required)")
	roles := fs.String("role", "", "roles, comma-separated: admin, procurement, casemanager, verifier, finance, provider, auditor, evaluator (required)")
	provider := fs.String("provider", "", "the provider's KvK number (required with the provider role)")
	name := fs.String("name", "", "the user's name")
	locale := fs.String("locale", "nl", "page language: nl, en or de")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input (without it the user can only use API tokens)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *email == "" || *roles == "" {
		fs.Usage()
		return errUsage
	}
	parsed, err := access.ParseRoles(*roles)
	if err != nil {
		return err
	}
	var password string
	if *pwStdin {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && line == "" {
			return fmt.Errorf("read password from standard input: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
	}
	db, stop, err := openDB(ctx, e)
	if err != nil {
		return err
	}
	defer stop()
	u, err := access.NewService(db.Gorm).CreateUser(ctx, access.System("cli"), access.NewUser{
		Email: *email, Name: *name, Password: password, Roles: parsed, ProviderKVK: *provider, Locale: *locale})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created user %s (%s) with roles %s\n", u.Email, u.ID, *roles)
	return nil
}

func runToken(ctx context.Context, e *env, args []string) error {
	const synopsis = "Usage: tranche token create --email E [--name N]"
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(e.stderr, synopsis)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return errUsage
	}
	fs := newFlags(e, "token create", "token create --email E [--name N]")
	email := fs.String("email", "", "the user the token acts as (required)")
	name := fs.String("name", "", "what the token is for, e.g. the provider's system")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *email == "" {
		fs.Usage()
		return errUsage
	}
	db, stop, err := openDB(ctx, e)
	if err != nil {
		return err
	}
	defer stop()
	secret, err := access.NewService(db.Gorm).CreateToken(ctx, access.System("cli"), *email, *name)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stderr, "The token is shown once; store it now. Send it as: Authorization: Bearer <token>")
	fmt.Fprintln(e.stdout, secret)
	return nil
}
