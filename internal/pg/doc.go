// Package pg runs the PostgreSQL server that stackgate manages itself: a private cluster in
// the scratch directory, on a free loopback port, started once per invocation, with the
// dataset loaded once and every run given a fresh copy of the database from a template.
//
// The server and initdb are processes of package stack (own process group, log file, stop
// with grace then SIGKILL). PostgreSQL refuses to run as root, so when stackgate runs as root
// the cluster runs as the "postgres" user, in directories that user can reach.
package pg
