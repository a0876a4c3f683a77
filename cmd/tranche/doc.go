// Command tranche runs Tranche: the web server and API, migrations, user and
// token administration, the demo scenario and the invariant check.
//
// Configuration comes from the environment (see README.md); each command
// has --help.
//
// It is the top of the import graph: it imports web, the capabilities
// (billing, outcomes, contracts, pooling) and internal/; nothing imports it.
package main
