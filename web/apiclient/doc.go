// Package apiclient is a Go client of Tranche's API, generated with
// oapi-codegen from the OpenAPI document the server serves (a copy of it is
// openapi.json here). Tranche's own tests drive the provider's and finance's
// flows through it, so that a change to the API that breaks a generated
// client fails the build; integrators generate theirs the same way
// (docs/api.md, "Generate a client").
//
// It imports only what the generated code needs (oapi-codegen's runtime);
// web's tests import it, nothing else.
//
// After a change to the API: refresh openapi.json with
// `TRANCHE_UPDATE_OPENAPI=1 go test -run TestOpenAPISnapshotIsCurrent ./web/`
// and regenerate the client with `go generate ./web/apiclient`.
package apiclient

//go:generate go tool oapi-codegen -config oapi-codegen.yaml openapi.json
